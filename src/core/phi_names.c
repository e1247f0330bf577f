/* What a column's name says to the PHI guard; see core/phi_internal.h. */
#include "core/phi_internal.h"
#include "core/util.h"
#include "vigil/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ASCII letter(s) a Latin-1 Supplement letter (U+00C0..U+00FF, UTF-8 C3 80..C3 BF) folds
 * to, lower case: "âge" and "Âge" are "age", "età" "eta", "ålder" "alder", "prénom" "prenom".
 * Index: the second byte minus 0x80. "" for the two signs in the block (× ÷). */
static const char *const latin1_fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Names are matched accent- and case-insensitively: an export names its columns in its
 * language (issue 19: `âge`, `età`, `ålder` slipped past the age rule while `Alter` and
 * `edad` were caught). Latin-1 letters fold to their ASCII base (latin1_fold), combining
 * accents (U+0300..U+036F, a decomposed "a\u0302ge") are dropped, and any other byte that is
 * not an ASCII letter or digit separates tokens, as before. */
void vigil_phi_split_name(const char *s, name_t *n)
{
    memset(n, 0, sizeof *n);
    size_t f = 0, t = 0, k = 0;
    int prev_lower = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && t < 8; p++) {
        char one[2] = {0, 0};
        const char *out = one; /* the lower-case ASCII this character stands for, "" if none */
        int sep = 0, upper = 0;
        if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            out = latin1_fold[p[1] - 0x80];
            upper = p[1] < 0xA0 && p[1] != 0x97 && p[1] != 0x9F;
            sep = !*out;
            p++;
        } else if ((p[0] == 0xCC && p[1] >= 0x80 && p[1] <= 0xBF) ||
                   (p[0] == 0xCD && p[1] >= 0x80 && p[1] <= 0xAF)) {
            p++;
            continue; /* a combining accent belongs to the letter before it */
        } else if (isalnum(*p)) {
            one[0] = (char)tolower(*p);
            upper = isupper(*p) != 0;
        } else {
            sep = 1;
        }
        int camel = upper && prev_lower;
        if ((sep || camel) && k > 0) {
            if (++t >= 8) break;
            k = 0;
        }
        for (const char *o = out; *o; o++) {
            if (f + 1 < sizeof n->flat) n->flat[f++] = *o;
            if (k + 1 < sizeof n->tok[0]) n->tok[t][k++] = *o;
        }
        prev_lower = !sep && !upper && *out && isalpha((unsigned char)*out);
    }
    n->n_tok = t + (k > 0 && t < 8);
}

static int in(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0) return 1;
    return 0;
}

static int has_tok(const name_t *n, const char *const *list)
{
    for (size_t i = 0; i < n->n_tok; i++)
        if (in(n->tok[i], list)) return 1;
    return 0;
}

/* The kind a column's name alone gives away, or -1. */
int vigil_phi_kind_by_name(const name_t *n)
{
    /* English, then the same fields as Spanish, Portuguese, French, German, Italian and Dutch
     * exports name them (ASCII spellings: the splitter keeps letters a-z) */
    static const char *const names[] = {"name", "firstname", "lastname", "surname", "fullname",
                                        "givenname", "middlename", "patientname", "familyname",
                                        "maidenname", "forename", "nombre", "apellido", "apellidos",
                                        "nome", "sobrenome", "nom", "prenom", "nomdefamille", "vorname",
                                        "nachname", "familienname", "cognome", "voornaam",
                                        "achternaam", NULL};
    static const char *const name_tok[] = {"surname", "firstname", "lastname", "forename", "apellido",
                                           "apellidos", "vorname", "nachname", "cognome", "prenom",
                                           "voornaam", "achternaam", NULL};
    static const char *const rec[] = {"mrn", "medicalrecord", "medicalrecordnumber", "mrnumber",
                                      "healthplan", "healthplanid", "healthplannumber", "beneficiary",
                                      "beneficiaryid", "accountnumber", "account", "acct", "acctno",
                                      "licensenumber", "licencenumber", "license", "licence",
                                      "certificatenumber", "insuranceid", "memberid", "policynumber",
                                      "medicaidid", "medicareid", "nhsnumber", "nhsno", "historiaclinica",
                                      "numerohistoria", "patientennummer", "prontuario", NULL};
    static const char *const rec_tok[] = {"mrn", NULL};
    static const char *const addr_tok[] = {"address", "street", "addr", NULL};
    static const char *const addr[] = {"city", "town", "streetaddress", "homeaddress", NULL};
    /* national identity numbers: US SSN, and as other countries' exports name theirs */
    static const char *const ssn[] = {"ssn", "socialsecurity", "socialsecuritynumber", "socsec", "dni", "nie",
                                      "curp", "cpf", "nir", "bsn", "personnummer", "cpr", "pesel",
                                      "codicefiscale", "steuerid", "nationalid", "nationalidnumber", NULL};
    static const char *const ssn_tok[] = {"ssn", NULL};
    static const char *const email_tok[] = {"email", "mail", NULL};
    static const char *const phone_tok[] = {"phone", "telephone", "fax", "tel", "mobile", "phonenumber", NULL};
    static const char *const url_tok[] = {"url", "website", "homepage", NULL};
    static const char *const ip[] = {"ip", "ipaddress", "ipaddr", "ipv4", "ipv6", NULL};
    static const char *const ip_tok[] = {"ip", "ipv4", "ipv6", NULL};
    static const char *const dob[] = {"dob", "birthdate", "dateofbirth", "birthday", "birthdt",
                                      "fechanacimiento", "fechadenacimiento", "datanascimento",
                                      "datedenaissance", "datenaissance", "geburtsdatum", "datadinascita",
                                      "datanascita", "geboortedatum", NULL};
    static const char *const dob_tok[] = {"dob", "birthdate", "birthday", "geburtsdatum", "geboortedatum", NULL};
    if (in(n->flat, names) || has_tok(n, name_tok)) return VIGIL_PHI_NAME;
    if (in(n->flat, rec) || has_tok(n, rec_tok)) return VIGIL_PHI_RECORD_NUMBER;
    if (in(n->flat, addr) || has_tok(n, addr_tok)) return VIGIL_PHI_ADDRESS;
    if (in(n->flat, ssn) || has_tok(n, ssn_tok)) return VIGIL_PHI_SSN;
    if (strstr(n->flat, "email") || (n->n_tok == 1 && has_tok(n, email_tok))) return VIGIL_PHI_EMAIL;
    if (has_tok(n, phone_tok)) return VIGIL_PHI_PHONE;
    if (has_tok(n, url_tok)) return VIGIL_PHI_URL;
    if (in(n->flat, ip) || has_tok(n, ip_tok)) return VIGIL_PHI_IP;
    if (in(n->flat, dob) || has_tok(n, dob_tok)) return VIGIL_PHI_DATE;
    return -1;
}

int vigil_phi_is_age_name(const name_t *n)
{
    static const char *const ages[] = {"age", "ageyears", "ageyrs", "patientage", "ageatadmission",
                                       "ageatdiagnosis", "ageatvisit", "ageatsample",
                                       /* es, pt, de, nl, it, da/no, pl, fi (ASCII spellings) */
                                       "edad", "idade", "alter", "leeftijd", "eta", "alder", "wiek", "ika",
                                       "edadanos", "alterjahre", "alterinjahren", NULL};
    static const char *const first[] = {"age", "edad", "idade", "alter", "leeftijd", NULL};
    return in(n->flat, ages) || (n->n_tok >= 1 && in(n->tok[0], first) &&
                                 (n->n_tok == 1 || strcmp(n->tok[1], "band") != 0) &&
                                 (n->n_tok == 1 || strcmp(n->tok[1], "group") != 0) &&
                                 (n->n_tok == 1 || strcmp(n->tok[1], "grupo") != 0) &&
                                 (n->n_tok == 1 || strcmp(n->tok[1], "gruppe") != 0));
}

int vigil_phi_is_zip_name(const name_t *n)
{
    static const char *const zt[] = {"zip", "zipcode", "postcode", "postal", "postalcode", "zip5", "zip3", NULL};
    return has_tok(n, zt) || in(n->flat, (const char *const[]){"zipcode", "postalcode", NULL});
}

int vigil_phi_is_date_name(const name_t *n)
{
    static const char *const dt[] = {"date", "dt", "dob", "datetime", "timestamp", NULL};
    return has_tok(n, dt);
}
