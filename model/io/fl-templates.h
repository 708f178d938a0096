/* Structural templates (AlphaFold's models 1 and 2): template chains read
 * from PDB / mmCIF files, query-template alignments (an alignment file in the
 * format of shared/golden/tmpl/template_alignment.tsv, or a global alignment
 * made here), and the template features of templates.py for a hit:
 * template_aatype, template_all_atom_positions / _masks in query numbering,
 * template_pseudo_beta(_mask), template_mask, template_sum_probs.
 *
 * Reading a template chain (golden README "Templates", step 1-2):
 *  - PDB: first model, ATOM/HETATM records of the chain, residues by (record
 *    kind, resSeq, iCode) in file order, the 20 amino acids and MSE (as M).
 *  - mmCIF: the chain is auth_asym_id; its sequence is _entity_poly_seq of
 *    its entity (index = num - smallest num); coordinates from the first
 *    model's _atom_site rows matched by label_seq_id. Monomers other than
 *    the 20 amino acids, MSE (M) and 33 common modified and D-amino acids
 *    (the letter of AlphaFold's CCD table: their parent's; SEC A) read as X.
 *  - Altlocs: per atom name the highest occupancy (first on a tie). Atoms
 *    named as one of the 37 atom types go to their slot; MSE SE -> SD;
 *    ARG NH1/NH2 swapped when NH1 is farther from CD than NH2. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-arrays.h"

G_BEGIN_DECLS

#define FL_TEMPLATE_GAP 21          /* template_aatype of an unaligned position */

typedef struct {
  char *path;
  char chain_id[8];
  char *domain_name;        /* "<4-letter file id, lower case>_<chain>" */
  int n;                    /* residues of the chain sequence */
  char *sequence;           /* (n + 1) one-letter codes */
  float *atom37;            /* (n, 37, 3) Å, 0 where absent */
  float *atom37_mask;       /* (n, 37) */
} FlTemplateChain;

/* chain_id NULL: the first chain with an amino acid. */
FlTemplateChain *fl_template_chain_read (const char *path, const char *chain_id,
                                         GError **error);
void fl_template_chain_free (FlTemplateChain *chain);
FlTemplateChain *fl_template_chain_copy (const FlTemplateChain *chain);
/* Every protein chain of a PDB / mmCIF file (first model, the chains with an
 * amino acid, in file order), each read as fl_template_chain_read reads it.
 * Returns a GPtrArray of FlTemplateChain; an error when there is none. */
GPtrArray *fl_template_chains_read (const char *path, GError **error);

/* One template hit: a chain and, per query position, the aligned chain
 * residue (-1 = unaligned). */
typedef struct {
  FlTemplateChain *chain;   /* owned */
  int L;
  int32_t *query_to_template;  /* (L) */
  float sum_probs;
} FlTemplateHit;

void fl_template_hit_free (FlTemplateHit *hit);
FlTemplateHit *fl_template_hit_copy (const FlTemplateHit *hit);
/* Query positions aligned to a chain residue, and those where the residue
 * is the query's letter (`query`: the hit's L letters). */
void fl_template_hit_count (const FlTemplateHit *hit, const char *query, int *aligned,
                            int *identical);

/* The hits of an alignment file (template_alignment.tsv format; files are
 * found next to it, else in template_dir when not NULL), in file order.
 * The file's query must equal `query`. Returns a GPtrArray of FlTemplateHit. */
GPtrArray *fl_template_alignment_load (const char *path, const char *query,
                                       const char *template_dir, GError **error);

/* A hit from a global alignment of the query with the chain sequence
 * (Needleman-Wunsch, BLOSUM62, gap open -11 / extend -1, end gaps free);
 * sum_probs = the number of aligned pairs. */
FlTemplateHit *fl_template_hit_align (FlTemplateChain *chain /* taken */, const char *query,
                                      GError **error);
/* The two aligned strings of a hit (query row, template row) with '-' gaps,
 * for display. */
void fl_template_hit_alignment_strings (const FlTemplateHit *hit, const char *query,
                                        char **query_row, char **template_row);

/* Template features of T = max_templates slots (hits beyond are dropped;
 * missing ones are zero padding with template_mask 0). */
typedef struct {
  int L, T, n_real;
  int32_t *aatype;            /* (T, L) 0..20, gap 21 */
  float *all_atom_positions;  /* (T, L, 37, 3) */
  float *all_atom_masks;      /* (T, L, 37) */
  float *template_mask;       /* (T) */
  float *pseudo_beta;         /* (T, L, 3) */
  float *pseudo_beta_mask;    /* (T, L) */
  float *sum_probs;           /* (T) */
  int32_t *query_to_template; /* (n_real, L), -1 = unaligned */
  char **domain_names;        /* n_real names, NULL-terminated */
} FlTemplateFeatures;

FlTemplateFeatures *fl_template_features_build (GPtrArray *hits, int L, int max_templates,
                                                GError **error);
void fl_template_features_free (FlTemplateFeatures *tf);
/* Golden key names (template_aatype, template_all_atom_positions, ...). */
void fl_template_features_add_arrays (const FlTemplateFeatures *tf, FlArrays *arrays);
/* From arrays holding the golden keys (a leading recycle dimension is dropped);
 * NULL without error when there are no template keys. */
FlTemplateFeatures *fl_template_features_from_arrays (FlArrays *arrays, int L, GError **error);

/* The options of foldlight-cli predict (--template FILE[:CHAIN] repeated,
 * --template-alignment FILE, --template-dir DIR) turned into features for
 * `query`: an alignment file gives its hits; each --template is aligned
 * globally; template_dir is where their files are looked up, and when it is
 * given alone (no templates, no alignment file) its templates are the ones
 * fl_template_dir_read finds. At most max_templates: an alignment file's
 * hits beyond are left out (they are ranked, as AlphaFold keeps the best),
 * structure files beyond are an error. NULL with no error when no template
 * was given (or the folder holds none). */
FlTemplateFeatures *fl_template_features_from_options (const char *query,
                                                       const char *const *templates,
                                                       const char *alignment_file,
                                                       const char *template_dir,
                                                       int max_templates, GPtrArray **hits_out,
                                                       GError **error);

/* A folder of templates, as predict's --template-dir alone and batch's
 * DIR/<input id>/ read it: DIR/template_alignment.tsv (the alignment file
 * format above) when present; DIR/templates.txt, one FILE[:CHAIN] per line
 * (relative to DIR), when present; else, without an alignment file, every
 * *.pdb / *.ent / *.cif / *.mmcif in name order, a stem ending in "_X" (one
 * letter) naming chain X ("1gcn_A.pdb"), any other the first chain.
 * *alignment_file (or NULL) and *templates (NULL-terminated, maybe empty)
 * are the arguments of fl_template_features_from_options. */
#define FL_TEMPLATE_DIR_ALIGNMENT "template_alignment.tsv"
#define FL_TEMPLATE_DIR_LIST "templates.txt"
gboolean fl_template_dir_read (const char *dir, char **alignment_file, char ***templates,
                               GError **error);

/* Query residues the hit aligns, and of those the identical ones (may be NULL). */
int fl_template_hit_n_aligned (const FlTemplateHit *hit, const char *query, int *n_identical);

/* ---- what the model computes from the features (fl-template-geometry.c,
 *      host, recycle-invariant; golden debug keys r0/template/...) ---- */

/* pair_feat (L, L, n_bins + 49) of template t: pseudo-beta distogram
 * (n_bins one-hot bins between min_bin and max_bin, squared-distance edges),
 * pseudo-beta 2-D mask, one-hot22 aatype of j and of i, unit vector (CA of
 * j in the backbone frame of i, normalised; zero unless unit_vector, which
 * is off in every released model) and backbone 2-D mask, all times the
 * backbone 2-D mask. */
void fl_template_pair_feat (const FlTemplateFeatures *tf, int t, int n_bins, float min_bin,
                            float max_bin, gboolean unit_vector,
                            float *pair_feat /* (L, L, n_bins + 49) */);

/* AlphaFold's atom37_to_torsion_angles (placeholder_for_undefined False)
 * for template t: sin_cos, alt_sin_cos (L, 7, 2), mask (L, 7); any may be NULL. */
void fl_template_torsion_angles (const FlTemplateFeatures *tf, int t, float *sin_cos,
                                 float *alt_sin_cos, float *mask);
/* angle_feat (L, 57) = [one-hot22 aatype, sin_cos (14), alt sin_cos (14), mask (7)];
 * row_mask (L) = the psi mask (the template row's MSA mask); may be NULL. */
void fl_template_angle_feat (const FlTemplateFeatures *tf, int t, float *angle_feat,
                             float *row_mask);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlTemplateChain, fl_template_chain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlTemplateHit, fl_template_hit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlTemplateFeatures, fl_template_features_free)

G_END_DECLS
