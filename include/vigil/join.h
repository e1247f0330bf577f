/* vigil — cases from a prediction log and an event table (issue 16).
 *
 * A hospital's outcomes arrive as events, late, and some never arrive. vigil_join_cases turns a
 * prediction log (entity, prediction time, score, any context columns) and an event table
 * (entity, event time, optional type) into a case file with a 0/1 label:
 *   - a prediction at time p is positive when a target event of its entity falls in
 *     [p + offset, p + offset + window] (both ends included; seismometer's offset_hr and
 *     window_hr); an event before p + offset is not an outcome of it; the edges are the times
 *     as written (0.1 + 0.2 is the edge 0.3): within 8 units in the last place of their
 *     magnitude (about 3 microseconds for timestamps) a time is at an edge; several events at
 *     one edge make one positive, event_time the first of them in the event table's order;
 *   - label maturity: a prediction with no such event whose window has not closed by as_of
 *     (p + offset + window > as_of; a window ending at as_of is closed) is immature: it is left out of the cases and counted, never
 *     written as a negative; an event already seen in its window makes it a mature positive;
 *   - events after as_of are not known yet: they change nothing (counted as future);
 *   - repeated predictions of an entity are kept one per row (EACH) or reduced to one per
 *     entity: its FIRST, LAST or MAX score, each with its own prediction time;
 *   - lead time: per entity with a target event, the hours from its first prediction at or
 *     over the threshold (at or before the event) to that event, overall and per group level
 *     (a level under min_cell withholds every level of its group: none is the overall minus
 *     the others).
 * Times are ISO 8601 timestamps (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.s]][Z|+HH:MM]) with window and
 * offset in hours, or plain numbers in one unit shared with window, offset and as_of. */
#ifndef VIGIL_JOIN_H
#define VIGIL_JOIN_H

#include <stddef.h>

#include "vigil/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { VIGIL_JOIN_EACH = 0, VIGIL_JOIN_FIRST, VIGIL_JOIN_LAST, VIGIL_JOIN_MAX } vigil_join_aggregate;

typedef struct {
    const char *entity, *time, *score;      /* prediction log columns */
    const char *event_entity;               /* event table's entity column (NULL: entity) */
    const char *event_time;                 /* event table's time column */
    const char *event_type, *target;        /* type column and the target type (both or neither) */
    double window, offset;                  /* hours for timestamps; window > 0, offset >= 0 */
    vigil_join_aggregate aggregate;
    const char *as_of;                      /* a time as the files write it; NULL: now (timestamps only) */
    int lead_time;                          /* compute lead times at threshold */
    double threshold;
    const char *const *groups;              /* lead time per level of these prediction columns */
    size_t n_groups;
    const char *label;                      /* the label column written (NULL: "label") */
    size_t min_cell;                        /* lead-time cells under this are withheld (0: 11) */
    /* keep immature predictions as rows with an empty (missing) label instead of leaving them
     * out: a monitor still tests their features and scores, and missing is never negative */
    int keep_immature;
    const char *as_of_name;                 /* as_of in messages (NULL: "--as-of") */
} vigil_join_options;

/* No columns named, window 0 (it must be set), offset 0, one case per prediction, as_of now, no
 * lead times, label "label", min_cell 11, immature predictions left out, "--as-of" in messages. */
#define VIGIL_JOIN_OPTIONS_INIT {NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, VIGIL_JOIN_EACH, NULL, 0, 0, NULL, 0, NULL, 0, 0, NULL}

/* Join pred (read from pred_file) and events (from event_file) into the case file out_csv
 * (replaced atomically): the prediction log's columns, the label, and event_time (the first
 * target event in the window, empty when none). *summary (malloc'd JSON, optional) says what
 * was joined: predictions, entities, cases, positives, immature, events (rows, target, used,
 * future, unmatched entities, before any prediction) and the lead times. Errors name the file,
 * line and column: a time that does not parse, timestamps mixed with numbers, a missing score,
 * an event table whose entities match no prediction (VIGIL_EINVAL with the count). */
int vigil_join_cases(const vigil_table *pred, const vigil_table *events, const vigil_join_options *o,
                     const char *out_csv, char **summary);

/* Seconds since 1970-01-01 UTC of an ISO 8601 timestamp (see above); -1 when it is not one. */
int vigil_parse_timestamp(const char *s, double *seconds);

#ifdef __cplusplus
}
#endif
#endif
