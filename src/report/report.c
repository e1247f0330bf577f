/* PCCP evidence report of one stored run: read, never recompute. Sections follow the FDA
 * guidance "Marketing Submission Recommendations for a Predetermined Change Control Plan for
 * Artificial Intelligence-Enabled Device Software Functions" (final, December 2024):
 * Description of Modifications, Modification Protocol (data management, re-training,
 * performance evaluation, update procedures), Impact Assessment; then real-world monitoring,
 * audit and appendices. */
#include "vigil/report.h"
#include "vigil/error.h"
#include "vigil/fairness.h"
#include "vigil/store.h"
#include "report/report_plots.h"
#include "report/report_write.h"
#include "report/report_ctx.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- loading ------------------------------------------------------------------------------ */

static int same_sha(const char *a, const char *b) { return a && b && *a && strcmp(a, b) == 0; }

static int load_monitors(rctx *c)
{
    vigil_run_info *runs = NULL;
    size_t n = 0;
    int rc = vigil_store_list_runs(c->s, "monitor", NULL, &runs, &n);
    if (rc) return rc;
    const char *cs = js(c->res, "models.candidate.sha256"), *ps = js(c->res, "models.predecessor.sha256");
    if (!(c->mons = calloc(n ? n : 1, sizeof *c->mons))) {
        vigil_run_info_free(runs, n);
        return vigil_error_set(VIGIL_ENOMEM, "out of memory");
    }
    /* Linked: a monitor run whose input files include the candidate or predecessor model. */
    int *linked = calloc(n ? n : 1, sizeof *linked);
    size_t n_linked = 0;
    for (size_t i = 0; linked && i < n; i++) {
        vigil_run_file_info *f = NULL;
        size_t nf = 0;
        if (vigil_store_get_files(c->s, runs[i].id, &f, &nf) == 0)
            for (size_t k = 0; k < nf; k++)
                if (same_sha(f[k].sha256, cs) || same_sha(f[k].sha256, ps)) linked[i] = 1;
        vigil_run_file_info_free(f, nf);
        n_linked += (size_t)linked[i];
    }
    c->mons_linked = n_linked > 0;
    for (size_t i = 0; i < n; i++) {
        if (linked && n_linked && !linked[i]) {
            vigil_run_info_clear(&runs[i]);
            continue;
        }
        mon_run *m = &c->mons[c->n_mons++];
        m->info = runs[i];
        memset(&runs[i], 0, sizeof runs[i]);
        char *doc = NULL;
        if (strcmp(m->info.status, "completed") == 0 && vigil_store_get_document(c->s, m->info.id, "result", &doc) == 0)
            m->doc = cJSON_Parse(doc);
        free(doc);
    }
    free(linked);
    vigil_run_info_free(runs, n);
    return VIGIL_OK;
}

/* Earlier suite runs of this model line: the run that validated our predecessor as its
 * candidate (the last modification), and, following predecessors back, the original model. */
static void load_chain(rctx *c)
{
    const char *want = js(c->res, "models.predecessor.sha256");
    vigil_run_info *runs = NULL;
    size_t n = 0;
    if (!want || vigil_store_list_runs(c->s, "suite", NULL, &runs, &n) != 0) return;
    char cur[65];
    snprintf(cur, sizeof cur, "%s", want);
    for (int depth = 0; depth < 64; depth++) {
        cJSON *found = NULL;
        int64_t fid = 0;
        for (size_t i = n; i-- > 0;) {
            if (runs[i].id >= c->run.id || strcmp(runs[i].status, "completed") != 0) continue;
            char *doc = NULL;
            if (vigil_store_get_document(c->s, runs[i].id, "result", &doc) != 0) continue;
            cJSON *j = cJSON_Parse(doc);
            free(doc);
            if (j && same_sha(js(j, "models.candidate.sha256"), cur) && js(j, "models.predecessor.sha256")) {
                found = j;
                fid = runs[i].id;
                break;
            }
            cJSON_Delete(j);
        }
        if (!found) break;
        if (!c->last_run) c->last_run = fid;
        cJSON_Delete(c->orig_doc);
        c->orig_doc = found;
        c->orig_run = fid;
        snprintf(cur, sizeof cur, "%s", js(found, "models.predecessor.sha256"));
    }
    if (c->orig_doc) c->orig = jp(c->orig_doc, "metrics.predecessor");
    vigil_run_info_free(runs, n);
}

static int load(rctx *c, int64_t id)
{
    int rc = vigil_store_get_run(c->s, id, &c->run);
    if (rc) return vigil_error_set(VIGIL_EINVAL, "no run %lld in the store", (long long)id);
    const char *st = c->run.status ? c->run.status : "?";
    if (strcmp(st, "completed") != 0)
        return vigil_error_set(VIGIL_EINVAL, "run %lld is %s%s%s: only a completed run has a report", (long long)id,
                               st, c->run.error ? " (" : "", c->run.error ? c->run.error : "");
    if (strcmp(c->run.kind, "suite") != 0 && strcmp(c->run.kind, "metrics") != 0)
        return vigil_error_set(VIGIL_EINVAL,
                               "run %lld is a '%s' run: reports are built from 'suite' runs (or 'metrics' runs, "
                               "performance only)", (long long)id, c->run.kind);
    char *doc = NULL;
    if ((rc = vigil_store_get_document(c->s, id, "result", &doc)) != 0)
        return vigil_error_set(VIGIL_EINVAL, "run %lld has no stored result document", (long long)id);
    c->res = cJSON_Parse(doc);
    free(doc);
    if (!cJSON_IsObject(c->res))
        return vigil_error_set(VIGIL_EINVAL, "run %lld: the stored result is not a JSON object", (long long)id);
    if (strcmp(c->run.kind, "suite") == 0) {
        c->cand = jp(c->res, "metrics.candidate");
        c->pred = jp(c->res, "metrics.predecessor");
        if (!cJSON_IsObject(c->cand))
            return vigil_error_set(VIGIL_EINVAL, "run %lld: the stored suite result has no metrics.candidate",
                                   (long long)id);
        if (!cJSON_IsObject(c->pred)) c->pred = NULL;
    } else {
        c->cand = c->res;
    }
    double mc = jnum(c->cand, "min_cell");
    /* the stored run's min_cell, never under the CMS floor (the policy's vigil_fairness_floor) */
    c->min_cell = (int)vigil_fairness_floor(isfinite(mc) && mc >= 1 && mc <= INT_MAX ? (size_t)mc : 0);
    if ((rc = vigil_store_get_files(c->s, id, &c->files, &c->n_files)) != 0) return rc;
    if ((rc = load_monitors(c)) != 0) return rc;
    load_chain(c);
    if ((rc = vigil_store_audit_verify(c->s, &c->audit)) != 0) return rc;
    /* each checkpoint kept outside the store: a store that no longer extends one (a re-sealed
     * chain, a truncation, a fork) is as broken as a chain that does not verify */
    if (c->o->n_checkpoints > sizeof c->ckpt / sizeof c->ckpt[0])
        return vigil_error_set(VIGIL_EINVAL, "report: at most %zu checkpoints", sizeof c->ckpt / sizeof c->ckpt[0]);
    if (c->o->n_checkpoints && !c->o->pubkey)
        return vigil_error_set(VIGIL_EINVAL, "report: checkpoints need the public key they are signed with");
    for (size_t i = 0; i < c->o->n_checkpoints; i++) {
        if ((rc = vigil_audit_verify_checkpoint(c->s, c->o->checkpoints[i], c->o->pubkey, &c->ckpt[i])) != 0) return rc;
        c->n_ckpt++;
        if (!c->ckpt[i].ok && c->audit.ok) {
            c->audit.ok = 0;
            snprintf(c->audit.message, sizeof c->audit.message, "the store does not extend checkpoint %zu (tree size "
                     "%lld, signed %s by %s): %s", i + 1, (long long)c->ckpt[i].size, c->ckpt[i].time,
                     c->ckpt[i].signer, c->ckpt[i].message);
        }
    }
    return VIGIL_OK;
}

static void rctx_free(rctx *c)
{
    vigil_run_info_clear(&c->run);
    vigil_run_file_info_free(c->files, c->n_files);
    cJSON_Delete(c->res);
    cJSON_Delete(c->orig_doc);
    for (size_t i = 0; i < c->n_mons; i++) {
        vigil_run_info_clear(&c->mons[i].info);
        cJSON_Delete(c->mons[i].doc);
    }
    free(c->mons);
    vigil_doc_free(&c->d);
}

int vigil_report_write(vigil_store *s, int64_t run_id, const vigil_report_options *opt,
                       vigil_report_summary *out)
{
    if (!s || !opt || !opt->out_dir || !*opt->out_dir)
        return vigil_error_set(VIGIL_EINVAL, "report: an output directory is required");
    if (opt->dca_high != 0 && !(opt->dca_low >= 0 && opt->dca_low < opt->dca_high && opt->dca_high <= 1))
        return vigil_error_set(VIGIL_EINVAL, "report: the decision-curve range %g:%g is not 0 <= low < high <= 1",
                               opt->dca_low, opt->dca_high);
    vigil_report_summary dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    rctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.o = opt;
    c.sum = out;
    char exe[4096];
    if (opt->pdf && !vigil_report_pdf_available(exe, sizeof exe)) return vigil_error_set(VIGIL_EINVAL, "%s", VIGIL_REPORT_NO_PDF);
    int rc = load(&c, run_id);
    if (rc) goto done;
    vigil_doc_init(&c.d, c.min_cell);
    vigil_report_build(&c);
    if (c.d.html.failed || c.d.md.failed) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory building the report");
        goto done;
    }
    out->run_id = run_id;
    snprintf(out->kind, sizeof out->kind, "%s", c.run.kind);
    out->audit_ok = c.audit.ok;
    memcpy(out->audit_head, c.audit.head, sizeof out->audit_head);
    out->n_plots = c.d.n_plots;
    out->n_plots_drawn = c.d.n_drawn;
    out->n_monitor_runs = c.n_mons;
    char *card = vigil_report_model_card(&c);
    if (!card) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory building the model card");
        goto done;
    }
    /* the printed pages' running header: which report, which run, which audit head */
    vigil_sbuf hdr = {0};
    char head[512];
    snprintf(head, sizeof head, "vigil PCCP evidence report: %.200s \xc2\xb7 run %lld \xc2\xb7 audit head %.16s",
             c.run.name ? c.run.name : "", (long long)run_id, c.audit.head);
    vigil_css_str(&hdr, head);
    vigil_report_dir_options wo = {opt->force, opt->pdf, hdr.s, NULL};
    rc = hdr.failed ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : vigil_report_write_dir(opt->out_dir, &c.d, card, &wo);
    vigil_sbuf_free(&hdr);
    free(card);
done:
    rctx_free(&c);
    return rc;
}
