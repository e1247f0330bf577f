/* vigil audit verify|keygen|checkpoint|sign — the audit trail: its chain and tree, signed
 * checkpoints kept outside the store, and electronic signatures of runs. */
#include "cli/cli.h"
#include "cli/options.h"
#include "vigil/audit.h"
#include "vigil/store.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char cmd_audit_help[] =
    "usage: vigil audit verify [--checkpoint C.json --pubkey P.pem] [--db FILE] [--format table|json]\n"
    "       vigil audit keygen --out KEY.pem [--pub P.pem]\n"
    "       vigil audit checkpoint --key KEY.pem [--out C.json] [--signer NAME] [--db FILE]\n"
    "       vigil audit sign --run N --meaning approved|reviewed --key KEY.pem [--signer NAME]\n"
    "                        [--db FILE]\n"
    "\n"
    "verify recomputes the audit chain of the run store: every entry's SHA-256 link to the entry\n"
    "before it, every run's digest over its configuration, input-file hashes, operator, verdict\n"
    "and stored results, every signature and every cached reference statistic. An edited\n"
    "metric, a deleted or inserted run, or a deleted or reordered entry is found and the first\n"
    "bad entry named. Someone who can write the file can also re-seal the chain; a checkpoint\n"
    "kept elsewhere finds that: with --checkpoint (repeatable), verify also proves that the\n"
    "store's Merkle tree (RFC 6962) still extends each checkpoint (a consistency proof from the\n"
    "checkpoint's size to today's), so a rewritten verdict, a truncation or a fork fails.\n"
    "\n"
    "keygen writes a new Ed25519 private key (mode 0600; never over an existing file, never in\n"
    "the store's directory) and its public key (default KEY.pem.pub). checkpoint signs the\n"
    "tree's size and root with the private key and writes it (default: stdout); keep it where\n"
    "the store's administrators cannot write (a ticket, a git repository, another machine).\n"
    "sign records an electronic signature of a finished run (21 CFR Part 11 §11.50: name,\n"
    "date and time, meaning), covered by the tree.\n"
    "\n"
    "Exit status: 0 verified / done, 1 the chain or a checkpoint does not verify, 2 no store,\n"
    "bad usage or a file that is not a key or checkpoint, 3 store error.\n"
    "\n";

static struct {
    cli_common c;
    cli_list checkpoints;
    const char *pubkey, *out, *pub, *key, *run, *meaning, *signer;
} A;

static const cli_option verify_opts[] = {
    CLI_OPTS_DB(&A.c),
    CLI_OPT_LIST("checkpoint", 0, "C.json", "a checkpoint the store must still extend (repeatable)",
                 &A.checkpoints),
    CLI_OPT_STRING("pubkey", 0, "P.pem", "the public key the checkpoints are signed with", &A.pubkey),
    CLI_OPT_STRING("format", 0, "F", "'table' (default) or 'json': {ok, entries, runs, first_bad, message,\n"
                   "head, tree_size, root, checkpoints: [{file, ok, tree_size, time, signer, message}]}",
                   &A.c.format),
    CLI_OPT_END,
};
static const cli_option keygen_opts[] = {
    CLI_OPT_STRING("out", 0, "KEY.pem", "the private key file to create", &A.out),
    CLI_OPT_STRING("pub", 0, "P.pem", "the public key file (default: KEY.pem.pub)", &A.pub),
    CLI_OPTS_DB(&A.c),
    CLI_OPT_END,
};
static const cli_option checkpoint_opts[] = {
    CLI_OPT_STRING("key", 0, "KEY.pem", "the private key to sign with", &A.key),
    CLI_OPT_STRING("out", 0, "C.json", "write the checkpoint here (replaced atomically) instead of stdout",
                   &A.out),
    CLI_OPT_STRING("signer", 0, "NAME", "who signs (default: your user name)", &A.signer),
    CLI_OPTS_DB(&A.c),
    CLI_OPT_END,
};
static const cli_option sign_opts[] = {
    CLI_OPT_STRING("run", 0, "N", "the run to sign", &A.run),
    CLI_OPT_CHOICE("meaning", 0, "M", "approved|reviewed", "what the signature means: approved or reviewed",
                   &A.meaning),
    CLI_OPT_STRING("key", 0, "KEY.pem", "the signer's private key", &A.key),
    CLI_OPT_STRING("signer", 0, "NAME", "the signer's printed name (default: your user name)", &A.signer),
    CLI_OPTS_DB(&A.c),
    CLI_OPT_END,
};

static const cli_spec verify_spec = {"audit", cmd_audit_help, verify_opts, NULL};
static const cli_spec keygen_spec = {"audit", cmd_audit_help, keygen_opts, NULL};
static const cli_spec checkpoint_spec = {"audit", cmd_audit_help, checkpoint_opts, NULL};
static const cli_spec sign_spec = {"audit", cmd_audit_help, sign_opts, NULL};
static const cli_option opts[] = {
    CLI_OPT_SUBCOMMAND("verify", &verify_spec),
    CLI_OPT_SUBCOMMAND("keygen", &keygen_spec),
    CLI_OPT_SUBCOMMAND("checkpoint", &checkpoint_spec),
    CLI_OPT_SUBCOMMAND("sign", &sign_spec),
    CLI_OPT_END,
};

const cli_spec cmd_audit_spec = {"audit", cmd_audit_help, opts, NULL};

static int do_keygen(void)
{
    if (!A.out) return cli_usage("audit", "keygen needs --out KEY.pem");
    const char *db = cli_db_path(A.c.db);
    char pubbuf[PATH_MAX];
    const char *pub = A.pub;
    if (!pub) {
        if (snprintf(pubbuf, sizeof pubbuf, "%s.pub", A.out) >= (int)sizeof pubbuf)
            return cli_usage("audit", "--out: path too long");
        pub = pubbuf;
    }
    if (vigil_audit_key_beside_store(A.out, db))
        return cli_usage("audit", "--out '%s': the key would be in the store's directory; keep it where "
                                  "whoever can write the store cannot", A.out);
    char id[17];
    int err = vigil_audit_keygen(A.out, pub, id);
    if (err) return cli_fail("audit", err);
    printf("key %s\nprivate key %s (0600: keep it secret, outside the store's directory)\n"
           "public key  %s (give it to whoever verifies)\n", id, A.out, pub);
    return VIGIL_EXIT_OK;
}

/* Write text to path through a new temporary file beside it, then rename: a reader never sees
 * half a checkpoint, and a symlink at the temporary name is not followed. */
static int write_atomic(const char *path, const char *text)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return vigil_error_set(VIGIL_EINVAL, "'%s': path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return vigil_error_set(VIGIL_EIO, "'%s': %s", tmp, strerror(errno));
    size_t n = strlen(text), done = 0;
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    int ok = done == n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return vigil_error_set(VIGIL_EIO, "'%s': %s", path, strerror(e));
    }
    return VIGIL_OK;
}

static int do_checkpoint(void)
{
    if (!A.key) return cli_usage("audit", "checkpoint needs --key KEY.pem");
    vigil_store *s = NULL;
    int rc = cli_open_store("audit", A.c.db, 1, &s);
    if (rc) return rc;
    char *text = NULL;
    int err = vigil_audit_checkpoint(s, A.key, A.signer, &text);
    vigil_store_close(s);
    if (!err && A.out) err = write_atomic(A.out, text);
    if (err) {
        free(text);
        return cli_fail("audit", err);
    }
    if (A.out) fprintf(stderr, "vigil audit: checkpoint written to %s\n", A.out);
    else fputs(text, stdout);
    free(text);
    return VIGIL_EXIT_OK;
}

static int do_sign(void)
{
    if (!A.run || !A.meaning || !A.key)
        return cli_usage("audit", "sign needs --run N, --meaning approved|reviewed and --key KEY.pem");
    char *end;
    long long id = strtoll(A.run, &end, 10);
    if (!*A.run || *end || id <= 0) return cli_usage("audit", "--run: a run id is a positive whole number, not '%s'", A.run);
    vigil_store *s = NULL;
    int rc = cli_open_store("audit", A.c.db, CLI_STORE_WRITE_EXISTING, &s);
    if (rc) return rc;
    int err = vigil_store_sign_run(s, id, A.meaning, A.key, A.signer);
    vigil_store_close(s);
    if (err) return cli_fail("audit", err);
    printf("run %lld signed (%s)\n", id, A.meaning);
    return VIGIL_EXIT_OK;
}

static int do_verify(void)
{
    int json = cli_parse_format("audit", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    if (A.checkpoints.n && !A.pubkey) return cli_usage("audit", "--checkpoint needs --pubkey P.pem");
    if (A.pubkey && !A.checkpoints.n) return cli_usage("audit", "--pubkey without --checkpoint");
    /* read every checkpoint first: a file that is not one is a usage error, before any verdict */
    char *texts[CLI_LIST_MAX] = {0};
    int rc = VIGIL_EXIT_OK;
    for (size_t i = 0; i < A.checkpoints.n; i++) {
        size_t len;
        int err = vigil_read_file(A.checkpoints.v[i], &texts[i], &len);
        if (err) {
            rc = cli_fail("audit", err);
            goto done;
        }
    }
    vigil_store *s = NULL;
    if ((rc = cli_open_store("audit", A.c.db, 1, &s)) != 0) goto done;
    vigil_audit_result res;
    vigil_checkpoint_result cps[CLI_LIST_MAX];
    int err = vigil_store_audit_verify(s, &res), all_ok = res.ok;
    vigil_hash *leaves = NULL, root;
    size_t n = 0;
    char root_hex[65];
    if (!err) err = vigil_store_audit_leaves(s, &leaves, &n);
    if (!err) {
        vigil_merkle_root(leaves, n, root);
        vigil_hash_hex(root, root_hex);
    }
    free(leaves);
    for (size_t i = 0; !err && i < A.checkpoints.n; i++) {
        err = vigil_audit_verify_checkpoint(s, texts[i], A.pubkey, &cps[i]);
        if (err == VIGIL_EINVAL) {
            vigil_store_close(s);
            fprintf(stderr, "vigil audit: error: checkpoint '%s': %s\n", A.checkpoints.v[i], vigil_error_last());
            rc = VIGIL_EXIT_USAGE;
            goto done;
        }
        all_ok = all_ok && cps[i].ok;
    }
    vigil_store_close(s);
    if (err) {
        rc = cli_fail("audit", err);
        goto done;
    }
    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddBoolToObject(doc, "ok", all_ok);
        cJSON_AddNumberToObject(doc, "entries", (double)res.n_entries);
        cJSON_AddNumberToObject(doc, "runs", (double)res.n_runs);
        cJSON_AddNumberToObject(doc, "first_bad", (double)res.first_bad);
        cJSON_AddStringToObject(doc, "message", res.message);
        cJSON_AddStringToObject(doc, "head", res.head);
        cJSON_AddNumberToObject(doc, "tree_size", (double)n);
        cJSON_AddStringToObject(doc, "root", root_hex);
        cJSON *arr = cJSON_AddArrayToObject(doc, "checkpoints");
        for (size_t i = 0; i < A.checkpoints.n; i++) {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "file", A.checkpoints.v[i]);
            cJSON_AddBoolToObject(c, "ok", cps[i].ok);
            cJSON_AddNumberToObject(c, "tree_size", (double)cps[i].size);
            cJSON_AddStringToObject(c, "time", cps[i].time);
            cJSON_AddStringToObject(c, "signer", cps[i].signer);
            cJSON_AddStringToObject(c, "message", cps[i].message);
            cJSON_AddItemToArray(arr, c);
        }
        cli_print_json(doc);
    } else {
        if (res.ok)
            printf("audit chain verified: %lld entries, %lld runs\nhead %s\ntree %zu %s\n",
                   (long long)res.n_entries, (long long)res.n_runs, res.head, n, root_hex);
        else
            printf("AUDIT CHAIN BROKEN: %s\n(%lld entries, %lld runs checked)\n", res.message,
                   (long long)res.n_entries, (long long)res.n_runs);
        for (size_t i = 0; i < A.checkpoints.n; i++) {
            if (cps[i].ok)
                printf("checkpoint %s: extended (%lld of %lld entries, signed %s by %s)\n",
                       A.checkpoints.v[i], (long long)cps[i].size, (long long)cps[i].current,
                       cps[i].time, cps[i].signer);
            else
                printf("CHECKPOINT FAILED %s: %s\n", A.checkpoints.v[i], cps[i].message);
        }
    }
    rc = all_ok ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
done:
    for (size_t i = 0; i < A.checkpoints.n; i++) free(texts[i]);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    const cli_spec *spec;
    int rc = cli_parse_subcommand(&cmd_audit_spec, &verify_spec, "verify, keygen, checkpoint or sign", &argc, argv, &spec);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if (spec == &keygen_spec) return do_keygen();
    if (spec == &checkpoint_spec) return do_checkpoint();
    if (spec == &sign_spec) return do_sign();
    return do_verify();
}
