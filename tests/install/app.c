/* A program outside the tree, built against an installed vigil with pkg-config only
 * (tests/install/run.sh): the public headers must compile on their own and the library must
 * link with what vigil.pc lists, statically and shared. */
#include <vigil/vigil.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    /* The textbook case: of the four (positive, negative) pairs, three are ordered right. */
    const double score[] = {0.1, 0.4, 0.35, 0.8};
    const double label[] = {0, 0, 1, 1};
    vigil_auroc a;

    vigil_init();
    if (vigil_metrics_auroc(score, label, 4, 0.95, &a) != VIGIL_OK) {
        fprintf(stderr, "app: vigil_metrics_auroc failed: %s\n", vigil_error_last());
        return 1;
    }
    if (fabs(a.auc - 0.75) > 1e-12 || a.n_pos != 2 || a.n_neg != 2) {
        fprintf(stderr, "app: auroc %.17g (n_pos %zu, n_neg %zu), expected 0.75 (2, 2)\n", a.auc,
                a.n_pos, a.n_neg);
        return 1;
    }
    /* The header compiled against and the library linked must agree. */
    if (strcmp(vigil_version(), VIGIL_VERSION_STRING) != 0) {
        fprintf(stderr, "app: library %s, header %s\n", vigil_version(), VIGIL_VERSION_STRING);
        return 1;
    }
    printf("vigil %s auroc %.2f\n", vigil_version(), a.auc);
    return 0;
}
