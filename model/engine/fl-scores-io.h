/* Confidence scores as JSON files.
 *
 * scores.json (ours, a superset of ColabFold's scores file): the final
 * model's "plddt" (L), "mean_plddt", "ptm", "pae" (L x L) and "max_pae"
 * under ColabFold's key names, plus "recycles": one object per pass with
 * "recycle", "plddt", "mean_plddt", "ptm", "pae", "max_pae", "tolerance"
 * (null where unknown).
 * pae.json: the AlphaFold DB format,
 * [{"predicted_aligned_error": [[...]], "max_predicted_aligned_error": x}].
 * Both readers also take the files ColabFold writes (its scores JSON, and
 * its PAE JSON, which is the AFDB object without the enclosing list). */
#pragma once
#include <glib.h>
#include "fl-engine.h"

G_BEGIN_DECLS

#define FL_SCORES_ERROR (fl_scores_error_quark ())
GQuark fl_scores_error_quark (void);

typedef enum {
  FL_SCORES_ERROR_IO,
  FL_SCORES_ERROR_PARSE,    /* not JSON, or not a scores / PAE file */
} FlScoresError;

typedef struct {
  int recycle;
  float *plddt;        /* (L) or NULL */
  float mean_plddt;    /* NAN when unknown */
  float ptm;           /* NAN when unknown */
  float *pae;          /* (L, L) or NULL */
  float max_pae;       /* NAN when unknown */
  float tolerance;     /* NAN when unknown (first pass) */
} FlScoresPass;

typedef struct {
  int L;
  FlScoresPass final;  /* the model's scores (recycle = last pass) */
  int n_passes;
  FlScoresPass *passes; /* (n_passes), may be empty */
} FlScores;

/* From a run result ("r{r}/plddt", "r{r}/ptm", ... and "confidence/..."). */
FlScores *fl_scores_new_from_result (FlResult *result, GError **error);
void fl_scores_free (FlScores *scores);

/* JSON text / files. */
char *fl_scores_to_json (const FlScores *scores);
gboolean fl_scores_save_json (const FlScores *scores, const char *path, GError **error);
/* AlphaFold DB PAE file; fails when the scores have no PAE. */
char *fl_scores_pae_to_json (const FlScores *scores, GError **error);
gboolean fl_scores_save_pae_json (const FlScores *scores, const char *path, GError **error);

/* Read our scores.json or ColabFold's scores JSON. */
FlScores *fl_scores_load_json (const char *path, GError **error);
FlScores *fl_scores_parse_json (const char *text, gssize length, GError **error);
/* Read an AFDB (or ColabFold) PAE JSON: fills final.pae, final.max_pae, L. */
FlScores *fl_scores_load_pae_json (const char *path, GError **error);
FlScores *fl_scores_parse_pae_json (const char *text, gssize length, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlScores, fl_scores_free)

G_END_DECLS
