/* The inputs of foldlight-cli batch: a multi-FASTA, a CSV "id,sequence"
 * (ColabFold's format) or a folder of .a3m / .fasta files (one input each,
 * named by the file's stem). Ids are made safe for file names as ColabFold
 * does (every character other than a letter, digit, '_', '-' or '.' becomes
 * '_'); two inputs with one id are an error. The list is sorted by length,
 * then id, so that every worker sees the same order. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *id;
  char *sequence;   /* FASTA / CSV: the sequence as given; NULL for a file */
  char *path;       /* folder: the alignment or FASTA file; NULL otherwise */
  int L;            /* query length (letters of the first record) */
} FlBatchInput;

/* GPtrArray of FlBatchInput (owns them). */
GPtrArray *fl_batch_inputs_read (const char *input, GError **error);

/* Keep every n-th input starting at k-1 (1 <= k <= n) of the sorted list:
 * shard k of n, balanced by length. */
void fl_batch_inputs_shard (GPtrArray *inputs, int k, int n);

G_END_DECLS
