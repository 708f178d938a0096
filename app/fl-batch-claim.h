/* Sharing one output folder between batch workers (processes on one
 * machine, e.g. one per GPU). A worker claims an input by holding an
 * exclusive flock on OUTDIR/.foldlight-batch/ID.lock while it runs it; the
 * kernel drops the lock when a worker exits or dies, so an input of a dead
 * worker can be taken by another. ID.done.txt (ColabFold's marker, written
 * last) says an input is finished: it is checked again once the lock is
 * held, so no input is run twice. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct _FlBatchClaim FlBatchClaim;

/* OUTDIR/.foldlight-batch, created when missing. */
char *fl_batch_state_dir (const char *out_dir, GError **error);

/* Claim `id`. wait FALSE: returns NULL without error when another worker
 * holds it; wait TRUE: blocks until it is free. NULL with error on I/O failure. */
FlBatchClaim *fl_batch_claim (const char *state_dir, const char *id, gboolean wait,
                              GError **error);
/* Remove the lock file and let go. */
void fl_batch_claim_release (FlBatchClaim *claim);

/* OUTDIR/ID.done.txt exists. */
gboolean fl_batch_is_done (const char *out_dir, const char *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlBatchClaim, fl_batch_claim_release)

G_END_DECLS
