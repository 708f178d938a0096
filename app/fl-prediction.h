/* FlPrediction: an existing AlphaFold / ColabFold prediction opened from
 * files: a structure (PDB or mmCIF, pLDDT in the B-factor column), optional
 * confidence (ColabFold scores JSON or our scores.json, AlphaFold DB PAE
 * JSON) and an optional alignment (A3M / FASTA), as the window shows it. */
#pragma once
#include <glib.h>
#include <gio/gio.h>
#include "fl-msa.h"
#include "fl-snapshot.h"

G_BEGIN_DECLS

typedef struct {
  char *name;              /* for the title */
  char *sequence;          /* (L) one-letter codes */
  GPtrArray *frames;       /* FlFrame*, >= 1: the structure, or every frame of a
                            * trajectory (multi-model file, ColabFold .r0 .. .rN set) */
  FlFrame *frame;          /* the last frame (borrowed from frames) */
  GPtrArray *recycles;     /* FlRecycleData*, >= 1: per recycle of the frames, the
                            * last with the scores / PAE files' values */
  FlRecycleData *scores;   /* the last of recycles (borrowed) */
  int last_recycle;        /* frames named by recycle: the last one; else -1 */
  FlMsa *msa;              /* nullable */
  char *msa_text;          /* the alignment's text (what Run would use), nullable */
  char *msa_name;
  char *found;             /* files found beside the structure and read with it, nullable */
} FlPrediction;

typedef enum {
  FL_FILE_KIND_UNKNOWN,
  FL_FILE_KIND_STRUCTURE,  /* .pdb .cif .mmcif .ent */
  FL_FILE_KIND_SCORES,     /* .json */
  FL_FILE_KIND_ALIGNMENT,  /* .a3m .fasta .fa .faa .sto .txt .seq */
} FlFileKind;

FlFileKind fl_file_kind_guess (const char *name, const char *text);

/* One prediction from texts already read: structure_text is required,
 * the others may be NULL. `name` titles it. */
FlPrediction *fl_prediction_new_from_texts (const char *name,
                                            const char *structure_text, gsize structure_len,
                                            gboolean structure_is_cif,
                                            const char *scores_text, gsize scores_len,
                                            const char *pae_text, gsize pae_len,
                                            const char *msa_text, gsize msa_len,
                                            const char *msa_name,
                                            GError **error);
/* From files: paths of a structure, any number of JSON files, one alignment.
 * A ColabFold --save-recycles file ("...seed_000.r2.pdb"; "_r2.pdb" too) brings its siblings
 * .r0 ... .rN as a recycle timeline; so does the final model's file when
 * they lie beside it. Without a JSON among the paths, the
 * scores / PAE file beside the structure is read when there is one
 * (ours: scores.json, pae.json; ColabFold: *_scores_*.json,
 * *_predicted_aligned_error_v1.json; AlphaFold DB: *-predicted_aligned_error_v*.json). */
FlPrediction *fl_prediction_new_from_files (const char *const *paths, GError **error);
/* The bundled demo (resources/demo, 4-OT by ColabFold). */
FlPrediction *fl_prediction_new_demo (GError **error);
void fl_prediction_free (FlPrediction *prediction);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlPrediction, fl_prediction_free)

G_END_DECLS
