/* FlMsa: a parsed alignment (query first), before feature processing.
 * Parsers: FASTA (one chain), A3M (lowercase = insertion, '#'/';' header
 * lines, repeated query as in ColabFold output), Stockholm. Rows are kept in
 * file order; duplicate aligned sequences are dropped (the query stays row 0). */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Residue / token order of AlphaFold: ARNDCQEGHILKMFPSTWYV, X=20, gap=21, mask=22. */
#define FL_AA_ORDER "ARNDCQEGHILKMFPSTWYV"
#define FL_TOKEN_X 20
#define FL_TOKEN_GAP 21
#define FL_TOKEN_MASK 22

typedef struct {
  int n_rows;            /* after de-duplication */
  int L;                 /* query length = aligned columns */
  char *query;           /* query sequence, upper case, L letters (NUL terminated) */
  char *query_name;      /* description of the first record */
  int8_t *tokens;        /* (n_rows, L) AlphaFold token ids 0..21 */
  float *deletions;      /* (n_rows, L) insertion counts before each column */
  char **names;          /* (n_rows) record descriptions */
  int n_rows_in_file;    /* before de-duplication */
} FlMsa;

FlMsa *fl_msa_parse_a3m (const char *text, gssize length, GError **error);
FlMsa *fl_msa_parse_fasta (const char *text, gssize length, GError **error);
FlMsa *fl_msa_parse_stockholm (const char *text, gssize length, GError **error);
/* By content: '>' records with lowercase or several records -> A3M;
 * "# STOCKHOLM" -> Stockholm; one record -> FASTA; bare letters -> a sequence. */
FlMsa *fl_msa_parse_auto (const char *text, gssize length, GError **error);
FlMsa *fl_msa_load_file (const char *path, GError **error);
/* Single-sequence alignment from a plain sequence string. */
FlMsa *fl_msa_new_from_sequence (const char *sequence, const char *name, GError **error);
void fl_msa_free (FlMsa *msa);
/* Rows of `a` then the rows of `b` (same query required), de-duplicated
 * across both, as AlphaFold combines its alignments. */
FlMsa *fl_msa_merge (const FlMsa *a, const FlMsa *b, GError **error);

/* AlphaFold aatype of a letter (restype_order_with_x): unknown -> 20. */
int fl_aatype_from_letter (char c);
/* One-letter code of a token 0..21 ('-' for gap). */
char fl_letter_from_token (int token);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlMsa, fl_msa_free)

G_END_DECLS
