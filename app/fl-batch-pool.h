/* Several batch workers on one machine: one process per entry of a device
 * list (a device may repeat: two workers on one GPU), each running this
 * batch command on its device; they share OUTDIR through fl-batch-claim.h. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* "0,1,3" -> device indices. FALSE when malformed. */
gboolean fl_batch_parse_devices (const char *spec, GArray *out);

/* Run the batch whose options are `orig_argv` (after "batch", without the
 * program name) once per device of `devices` (int), each as
 * "foldlight-cli batch ... --device=D --worker=K --session=SESSION", and
 * wait for them. Fails only when every worker failed. */
gboolean fl_batch_run_pool (char **orig_argv, GArray *devices, const char *session,
                            GError **error);

G_END_DECLS
