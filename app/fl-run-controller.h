/* FlRunController: runs the engine on a dedicated worker thread, one thread
 * per run, and hands what it reports to the main thread.
 *
 * The worker owns everything of its run (alignment parsing, feature
 * building, parameters, the FlEngine and its backend). Observer events are
 * copied into immutable, reference-counted snapshots (FlFrame,
 * FlRecycleData) and sent with g_main_context_invoke_full to the context the
 * controller was created in, where the listener callbacks run. Each run has
 * a generation number: a cancelled or superseded run's late messages are
 * dropped. The UI talks to the worker only through a GCancellable and an
 * atomic flag. Failures (bad input, too large, no GPU, bad parameter file)
 * arrive as a GError through `failed`; the controller stays usable. */
#pragma once
#include <glib-object.h>
#include <gio/gio.h>
#include "fl-engine.h"
#include "fl-features.h"
#include "fl-msa.h"
#include "fl-snapshot.h"

G_BEGIN_DECLS

#define FL_TYPE_RUN_CONTROLLER (fl_run_controller_get_type ())
G_DECLARE_FINAL_TYPE (FlRunController, fl_run_controller, FL, RUN_CONTROLLER, GObject)

typedef struct {
  const char *name;          /* display name of the input */
  const char *input_text;    /* FASTA / A3M / Stockholm / a bare sequence */
  const char *params_path;   /* NULL: the untrained demo parameters */
  const char *preset;        /* with params_path: "model_1_ptm", ... */
  int num_recycle;           /* recycles after the first pass */
  double tolerance;          /* early stop (Å), 0 never */
  FlBackendKind backend;     /* AUTO: CUDA when present */
  int n_threads;             /* CPU threads, 0 all */
  /* Template hits (FlTemplateHit*, models 1 and 2; copied), aligned to
   * template_query; NULL or empty for none. When the input's query is not
   * template_query (the sequence was edited) each chain is aligned to the
   * new query globally. A model without a template stack ignores them (and
   * says so through `templates`). */
  GPtrArray *template_hits;
  const char *template_query;
  int attention_block;       /* Evoformer block of the attention maps, 1-based; 0: the last */
  int attention_residue;     /* query residue of the triangle attention, 1-based; 0: L/2 */
  gboolean probe_blocks;     /* record the distogram probe after every Evoformer block */
} FlRunRequest;

/* Main-thread callbacks; pointers are borrowed for the call unless said. */
typedef struct {
  /* Input parsed and features built: msa and features are given (taken). */
  void (*inputs_ready) (FlMsa *msa, FlFeatures *features, gpointer user_data);
  /* The run's templates aligned to its query (taken, nullable; empty when
   * there are none); ignored: the model has no template stack. */
  void (*templates) (GPtrArray *hits, gboolean ignored, gpointer user_data);
  void (*started) (const char *backend_description, int L, int n_passes, gpointer user_data);
  void (*progress) (double fraction, const char *text, gpointer user_data);
  void (*frame) (FlFrame *frame, gpointer user_data);
  void (*recycle) (FlRecycleData *data, gpointer user_data);
  /* Exactly one of these ends a run that was not superseded. */
  void (*finished) (FlResult *result /* taken */, gpointer user_data);
  void (*failed) (const GError *error, gboolean cancelled, gpointer user_data);
} FlRunListener;

FlRunController *fl_run_controller_new (const FlRunListener *listener, gpointer user_data);

/* Start a run on a new thread. A run already going is cancelled first and
 * its remaining messages are dropped (ask the user before calling). */
gboolean fl_run_controller_start (FlRunController *self, const FlRunRequest *request,
                                  GError **error);
/* Ask the current run to stop (checked between blocks); its `failed`
 * arrives with cancelled = TRUE. */
void fl_run_controller_cancel (FlRunController *self);
gboolean fl_run_controller_is_running (FlRunController *self);
guint fl_run_controller_get_generation (FlRunController *self);
/* Frames delivered to the listener by the current / last run. */
guint fl_run_controller_get_n_frames (FlRunController *self);
/* Seconds from start to the first frame of the current / last run (NAN before). */
double fl_run_controller_get_first_frame_seconds (FlRunController *self);

G_END_DECLS
