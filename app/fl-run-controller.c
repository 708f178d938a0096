/* FlRunController: one worker thread per run, snapshots to the main thread. */
#include "fl-run-controller.h"
#include "fl-demo-params.h"
#include "fl-error.h"
#include <math.h>

typedef struct {
  gatomicrefcount ref;
  guint generation;
  GWeakRef controller;
  GMainContext *context;
  GCancellable *cancellable;
  gint stop;              /* atomic: the UI asked to stop */
  GThread *thread;        /* set by the main thread, joined there */
  gint64 start_us;

  /* the request, copied */
  char *name, *input_text, *params_path, *preset;
  int num_recycle;
  double tolerance;
  FlBackendKind backend;
  int n_threads;
  GPtrArray *template_hits;  /* FlTemplateHit* (copies), or NULL */
  char *template_query;

  int attention_block, attention_residue;
  gboolean probe_blocks;

  /* worker-side state */
  int n_passes;
  int n_blocks_evoformer;
  guint8 *probes;          /* (n_blocks_evoformer, L, L) of the pass running, or NULL */
  float *probe_range;      /* (n_blocks_evoformer, 2) the range of each block's plane */
  guint8 *probe_dist;      /* the same for the expected distance */
  float *probe_dist_range;
  int probe_L, probe_pass;
} RunJob;

struct _FlRunController {
  GObject parent_instance;
  FlRunListener listener;
  gpointer user_data;
  GMainContext *context;
  guint generation;
  RunJob *current;         /* the run the UI follows (ref), NULL when idle */
  GPtrArray *jobs;         /* every job whose thread is not joined yet (refs) */
  double first_frame_seconds;
  gboolean first_frame_seen;
  guint n_frames;
};

G_DEFINE_FINAL_TYPE (FlRunController, fl_run_controller, G_TYPE_OBJECT)

static RunJob *
run_job_ref (RunJob *job)
{
  g_atomic_ref_count_inc (&job->ref);
  return job;
}

static void
run_job_unref (RunJob *job)
{
  if (!g_atomic_ref_count_dec (&job->ref))
    return;
  g_weak_ref_clear (&job->controller);
  g_main_context_unref (job->context);
  g_object_unref (job->cancellable);
  g_free (job->name);
  g_free (job->input_text);
  g_free (job->params_path);
  g_free (job->preset);
  g_clear_pointer (&job->template_hits, g_ptr_array_unref);
  g_free (job->template_query);
  g_free (job->probes);
  g_free (job->probe_range);
  g_free (job->probe_dist);
  g_free (job->probe_dist_range);
  g_free (job);
}

/* ------------------------------------------------------------ messages */

typedef enum {
  MSG_INPUTS,
  MSG_STARTED,
  MSG_PROGRESS,
  MSG_FRAME,
  MSG_RECYCLE,
  MSG_DONE,
} MsgKind;

typedef struct {
  MsgKind kind;
  RunJob *job;
  FlMsa *msa;
  FlFeatures *features;
  GPtrArray *hits;
  gboolean ignored;
  char *text;
  double fraction;
  int L, n_passes;
  FlFrame *frame;
  FlRecycleData *recycle;
  FlResult *result;
  GError *error;
} Msg;

static void
msg_free (gpointer data)
{
  Msg *m = data;
  g_clear_pointer (&m->msa, fl_msa_free);
  g_clear_pointer (&m->features, fl_features_free);
  g_clear_pointer (&m->hits, g_ptr_array_unref);
  g_free (m->text);
  g_clear_pointer (&m->frame, fl_frame_unref);
  g_clear_pointer (&m->recycle, fl_recycle_data_unref);
  g_clear_pointer (&m->result, fl_result_free);
  g_clear_error (&m->error);
  run_job_unref (m->job);
  g_free (m);
}

static void
join_job (FlRunController *self, RunJob *job)
{
  if (job->thread)
    {
      g_thread_join (job->thread);
      job->thread = NULL;
    }
  g_ptr_array_remove (self->jobs, job);
}

/* Main thread: deliver one message if its run is still the current one. */
static gboolean
dispatch (gpointer data)
{
  Msg *m = data;
  RunJob *job = m->job;
  FlRunController *self = g_weak_ref_get (&job->controller);
  if (!self)
    return G_SOURCE_REMOVE;
  gboolean current = job->generation == self->generation;
  const FlRunListener *l = &self->listener;
  if (m->kind == MSG_DONE)
    {
      join_job (self, job);
      if (self->current == job)
        g_clear_pointer (&self->current, run_job_unref);
    }
  if (current)
    switch (m->kind)
      {
      case MSG_INPUTS:
        if (m->hits && l->templates)
          l->templates (g_steal_pointer (&m->hits), m->ignored, self->user_data);
        if (l->inputs_ready)
          l->inputs_ready (g_steal_pointer (&m->msa), g_steal_pointer (&m->features), self->user_data);
        break;
      case MSG_STARTED:
        if (l->started)
          l->started (m->text, m->L, m->n_passes, self->user_data);
        break;
      case MSG_PROGRESS:
        if (l->progress)
          l->progress (m->fraction, m->text, self->user_data);
        break;
      case MSG_FRAME:
        if (!self->first_frame_seen)
          {
            self->first_frame_seen = TRUE;
            self->first_frame_seconds = (g_get_monotonic_time () - job->start_us) / 1e6;
          }
        self->n_frames++;
        if (l->frame)
          l->frame (m->frame, self->user_data);
        break;
      case MSG_RECYCLE:
        if (l->recycle)
          l->recycle (m->recycle, self->user_data);
        break;
      case MSG_DONE:
        if (m->features && l->inputs_ready)
          l->inputs_ready (NULL, g_steal_pointer (&m->features), self->user_data);
        if (m->result)
          {
            if (l->finished)
              l->finished (g_steal_pointer (&m->result), self->user_data);
          }
        else if (l->failed)
          {
            gboolean cancelled = g_error_matches (m->error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED)
                                 || g_error_matches (m->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
            l->failed (m->error, cancelled, self->user_data);
          }
        break;
      }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static Msg *
msg_new (RunJob *job, MsgKind kind)
{
  Msg *m = g_new0 (Msg, 1);
  m->kind = kind;
  m->job = run_job_ref (job);
  return m;
}

static void
msg_send (Msg *m)
{
  /* The worker has its own thread-default context pushed (see run_thread),
   * so g_main_context_invoke_full never runs `dispatch` on the worker: it
   * always queues it on the UI context, in order. */
  g_main_context_invoke_full (m->job->context, G_PRIORITY_DEFAULT, dispatch, m, msg_free);
}

/* ------------------------------------------------------------ worker */

static gboolean
job_stopped (RunJob *job)
{
  return g_atomic_int_get (&job->stop) || g_cancellable_is_cancelled (job->cancellable);
}

static void
send_progress (RunJob *job, double fraction, char *text /* taken */)
{
  Msg *m = msg_new (job, MSG_PROGRESS);
  m->fraction = fraction;
  m->text = text;
  msg_send (m);
}

static void
on_run_started (const FlRunInfo *info, gpointer user_data)
{
  RunJob *job = user_data;
  job->n_passes = info->n_passes;
  job->n_blocks_evoformer = info->n_evoformer_blocks;
  Msg *m = msg_new (job, MSG_STARTED);
  m->text = g_strdup (info->backend_description ? info->backend_description : "");
  m->L = info->L;
  m->n_passes = info->n_passes;
  msg_send (m);
}

static FlObserveAction
on_block_finished (const FlBlockEvent *e, gpointer user_data)
{
  RunJob *job = user_data;
  /* the same numbering as the timeline, the CLI and the exports */
  char *text = g_strdup_printf ("Recycle %d of 0–%d · %s block %d/%d", e->recycle,
                                MAX (job->n_passes - 1, e->recycle), fl_stage_name (e->stage),
                                e->block + 1, e->n_blocks);
  send_progress (job, e->fraction_done, text);
  return job_stopped (job) ? FL_OBSERVE_STOP : FL_OBSERVE_CONTINUE;
}

static FlObserveAction
on_layer_finished (const FlLayerEvent *e, gpointer user_data)
{
  RunJob *job = user_data;
  Msg *m = msg_new (job, MSG_FRAME);
  m->frame = fl_frame_new_from_layer_event (e);
  msg_send (m);
  return job_stopped (job) ? FL_OBSERVE_STOP : FL_OBSERVE_CONTINUE;
}

/* One (L, L) plane quantised over its own range (untrained weights give
 * contact probabilities far below 1/255): range[0..1] = min, max. */
static void
quantise_plane (const float *src, gsize n, guint8 *dst, float *range)
{
  float lo = INFINITY, hi = -INFINITY;
  for (gsize k = 0; k < n; k++)
    if (isfinite (src[k]))
      {
        lo = MIN (lo, src[k]);
        hi = MAX (hi, src[k]);
      }
  if (!(hi >= lo))
    lo = hi = 0.0f;
  float span = hi - lo;
  for (gsize k = 0; k < n; k++)
    dst[k] = span > 0.0f && isfinite (src[k])
      ? (guint8) lrintf (CLAMP ((src[k] - lo) / span, 0.0f, 1.0f) * 255.0f) : 0;
  range[0] = lo;
  range[1] = hi;
}

/* The probe maps of a pass are gathered here and travel with its recycle data. */
static FlObserveAction
on_block_probed (const FlProbeEvent *e, gpointer user_data)
{
  RunJob *job = user_data;
  gsize plane = (gsize) e->L * e->L;
  if (!job->probes || job->probe_L != e->L || job->probe_pass != e->recycle)
    {
      g_free (job->probes);
      g_free (job->probe_range);
      g_free (job->probe_dist);
      g_free (job->probe_dist_range);
      job->probes = g_new0 (guint8, plane * e->n_blocks);
      job->probe_range = g_new0 (float, 2 * e->n_blocks);
      job->probe_dist = g_new0 (guint8, plane * e->n_blocks);
      job->probe_dist_range = g_new0 (float, 2 * e->n_blocks);
      job->probe_L = e->L;
      job->probe_pass = e->recycle;
    }
  quantise_plane (e->contact_probs, plane, job->probes + plane * e->block,
                  job->probe_range + 2 * e->block);
  quantise_plane (e->expected_distance, plane, job->probe_dist + plane * e->block,
                  job->probe_dist_range + 2 * e->block);
  return job_stopped (job) ? FL_OBSERVE_STOP : FL_OBSERVE_CONTINUE;
}

static FlObserveAction
on_recycle_finished (const FlRecycleEvent *e, gpointer user_data)
{
  RunJob *job = user_data;
  Msg *m = msg_new (job, MSG_RECYCLE);
  m->recycle = fl_recycle_data_new_from_event (e);
  if (job->probes && job->probe_pass == e->recycle && job->probe_L == e->L)
    {
      m->recycle->block_contacts = g_steal_pointer (&job->probes);
      m->recycle->block_contact_range = g_steal_pointer (&job->probe_range);
      m->recycle->block_distances = g_steal_pointer (&job->probe_dist);
      m->recycle->block_distance_range = g_steal_pointer (&job->probe_dist_range);
      m->recycle->n_probe_blocks = job->n_blocks_evoformer;
    }
  msg_send (m);
  return job_stopped (job) ? FL_OBSERVE_STOP : FL_OBSERVE_CONTINUE;
}

static gboolean
check_cancelled (RunJob *job, GError **error)
{
  if (!job_stopped (job))
    return FALSE;
  g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED, "Cancelled");
  return TRUE;
}

/* The job's templates aligned to `query`: copies where it is the query they
 * were aligned to, else each chain aligned to it globally. */
static GPtrArray *
run_templates (RunJob *job, const char *query, GError **error)
{
  gboolean same = g_strcmp0 (query, job->template_query) == 0;
  g_autoptr (GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_hit_free);
  for (guint k = 0; k < job->template_hits->len; k++)
    {
      const FlTemplateHit *h = g_ptr_array_index (job->template_hits, k);
      FlTemplateHit *hit = same ? fl_template_hit_copy (h)
                                : fl_template_hit_align (fl_template_chain_copy (h->chain), query, error);
      if (!hit)
        return NULL;
      g_ptr_array_add (hits, hit);
    }
  return g_steal_pointer (&hits);
}

static FlResult *
run_job (RunJob *job, FlFeatures **features_out, GError **error)
{
  send_progress (job, 0, g_strdup ("Reading the input…"));
  g_autoptr (FlMsa) msa = fl_msa_parse_auto (job->input_text, -1, error);
  if (!msa)
    return NULL;
  if (check_cancelled (job, error))
    return NULL;

  FlModelConfig cfg;
  g_autoptr (FlParams) params = NULL;
  if (job->params_path)
    {
      send_progress (job, 0, g_strdup ("Loading the parameters…"));
      params = fl_params_load (job->params_path, error);
      if (!params)
        return NULL;
      if (!fl_model_config_from_preset (job->preset ? job->preset : "model_1_ptm", &cfg, error)
          || !fl_model_config_infer (&cfg, params, error))
        return NULL;
    }
  else
    {
      send_progress (job, 0, g_strdup ("Making the untrained demo parameters…"));
      params = fl_demo_params_new (&cfg, error);
      if (!params)
        return NULL;
    }
  if (check_cancelled (job, error))
    return NULL;

  send_progress (job, 0, g_strdup ("Building the features…"));
  FlFeatureOptions fopts;
  fl_feature_options_init (&fopts);
  fopts.deterministic = TRUE;
  fopts.max_msa_clusters = fl_feature_cluster_rows (msa, cfg.max_msa_clusters);
  fopts.max_extra_msa = cfg.max_extra_msa;
  g_autoptr (FlFeatures) features = fl_features_build (msa, &fopts, error);
  if (!features)
    return NULL;
  g_autoptr (GPtrArray) hits = NULL;
  gboolean ignored = FALSE;
  if (job->template_hits && job->template_hits->len > 0)
    {
      send_progress (job, 0, g_strdup ("Aligning the templates…"));
      hits = run_templates (job, features->sequence, error);
      if (!hits)
        return NULL;
      ignored = !cfg.has_templates;
      if (!ignored)
        {
          features->templates = fl_template_features_build (hits, features->L,
                                                            MAX (cfg.max_templates, 1), error);
          if (!features->templates)
            return NULL;
        }
    }
  {
    Msg *m = msg_new (job, MSG_INPUTS);
    m->msa = g_steal_pointer (&msa);
    m->hits = g_steal_pointer (&hits);
    m->ignored = ignored;
    msg_send (m);
  }
  if (check_cancelled (job, error))
    return NULL;

  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.backend = job->backend;
  opts.n_threads = job->n_threads;
  opts.num_recycle = job->num_recycle;
  opts.recycle_tolerance = (float) job->tolerance;
  opts.capture_attention = TRUE;
  opts.capture_layers = TRUE;
  opts.capture_block = job->attention_block - 1;      /* -1: the last */
  opts.capture_residue = job->attention_residue - 1;  /* -1: L/2 */
  opts.probe_blocks = job->probe_blocks;
  send_progress (job, 0, g_strdup ("Starting the engine…"));
  g_autoptr (FlEngine) engine = fl_engine_new (params, &cfg, &opts, error);
  if (!engine)
    return NULL;
  if (!fl_engine_check_fits (engine, features->L, features->n_clust, features->n_extra, NULL, error))
    return NULL;
  static const FlObserver observer = {
    .run_started = on_run_started,
    .block_finished = on_block_finished,
    .layer_finished = on_layer_finished,
    .recycle_finished = on_recycle_finished,
    .block_probed = on_block_probed,
  };
  FlResult *result = fl_engine_run (engine, features, &opts, &observer, job, job->cancellable, error);
  if (!result && error && !*error)
    g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_FAILED, "The run failed");
  *features_out = g_steal_pointer (&features);
  return result;
}

static gpointer
run_thread (gpointer data)
{
  RunJob *job = data;
  /* Without a thread-default context of its own, g_main_context_invoke_full
   * could acquire the (free) default context and call back on this thread. */
  GMainContext *own = g_main_context_new ();
  g_main_context_push_thread_default (own);
  GError *error = NULL;
  FlFeatures *features = NULL;
  FlResult *result = run_job (job, &features, &error);
  Msg *m = msg_new (job, MSG_DONE);
  m->result = result;
  m->features = features;
  m->error = result ? NULL : error;
  if (result)
    g_clear_error (&error);
  msg_send (m);
  g_main_context_pop_thread_default (own);
  g_main_context_unref (own);
  run_job_unref (job);   /* the thread's reference */
  return NULL;
}

/* ------------------------------------------------------------ API */

gboolean
fl_run_controller_start (FlRunController *self, const FlRunRequest *req, GError **error)
{
  g_return_val_if_fail (FL_IS_RUN_CONTROLLER (self), FALSE);
  if (!req->input_text || !*req->input_text)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY,
                   "Nothing to run: paste a sequence or open a FASTA / A3M file first");
      return FALSE;
    }
  fl_run_controller_cancel (self);
  g_clear_pointer (&self->current, run_job_unref);   /* superseded: its messages drop */

  RunJob *job = g_new0 (RunJob, 1);
  g_atomic_ref_count_init (&job->ref);
  job->generation = ++self->generation;
  g_weak_ref_init (&job->controller, self);
  job->context = g_main_context_ref (self->context);
  job->cancellable = g_cancellable_new ();
  job->name = g_strdup (req->name);
  job->input_text = g_strdup (req->input_text);
  job->params_path = g_strdup (req->params_path);
  job->preset = g_strdup (req->preset);
  if (req->template_hits && req->template_hits->len > 0)
    {
      job->template_hits = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_hit_free);
      for (guint k = 0; k < req->template_hits->len; k++)
        g_ptr_array_add (job->template_hits, fl_template_hit_copy (g_ptr_array_index (req->template_hits, k)));
      job->template_query = g_strdup (req->template_query);
    }
  job->num_recycle = req->num_recycle;
  job->tolerance = req->tolerance;
  job->backend = req->backend;
  job->n_threads = req->n_threads;
  job->attention_block = req->attention_block;
  job->attention_residue = req->attention_residue;
  job->probe_blocks = req->probe_blocks;
  job->start_us = g_get_monotonic_time ();
  self->first_frame_seen = FALSE;
  self->first_frame_seconds = NAN;
  self->n_frames = 0;

  g_autofree char *thread_name = g_strdup_printf ("fl-run-%u", job->generation);
  /* The thread's reference; the controller keeps one too (current + jobs). */
  GThread *thread = g_thread_try_new (thread_name, run_thread, run_job_ref (job), error);
  if (!thread)
    {
      run_job_unref (job);   /* the thread's */
      run_job_unref (job);   /* ours */
      return FALSE;
    }
  job->thread = thread;
  g_ptr_array_add (self->jobs, run_job_ref (job));
  self->current = job;
  return TRUE;
}

void
fl_run_controller_cancel (FlRunController *self)
{
  g_return_if_fail (FL_IS_RUN_CONTROLLER (self));
  if (!self->current)
    return;
  g_atomic_int_set (&self->current->stop, 1);
  g_cancellable_cancel (self->current->cancellable);
}

gboolean
fl_run_controller_is_running (FlRunController *self)
{
  return self->current != NULL;
}

guint
fl_run_controller_get_generation (FlRunController *self)
{
  return self->generation;
}

guint
fl_run_controller_get_n_frames (FlRunController *self)
{
  return self->n_frames;
}

double
fl_run_controller_get_first_frame_seconds (FlRunController *self)
{
  return self->first_frame_seconds;
}

FlRunController *
fl_run_controller_new (const FlRunListener *listener, gpointer user_data)
{
  FlRunController *self = g_object_new (FL_TYPE_RUN_CONTROLLER, NULL);
  if (listener)
    self->listener = *listener;
  self->user_data = user_data;
  return self;
}

static void
fl_run_controller_dispose (GObject *object)
{
  FlRunController *self = FL_RUN_CONTROLLER (object);
  /* Stop every run and wait for its thread: the engine checks between blocks. */
  for (guint k = 0; k < self->jobs->len; k++)
    {
      RunJob *job = g_ptr_array_index (self->jobs, k);
      g_atomic_int_set (&job->stop, 1);
      g_cancellable_cancel (job->cancellable);
    }
  self->generation++;
  while (self->jobs->len)
    join_job (self, g_ptr_array_index (self->jobs, 0));
  g_clear_pointer (&self->current, run_job_unref);
  G_OBJECT_CLASS (fl_run_controller_parent_class)->dispose (object);
}

static void
fl_run_controller_finalize (GObject *object)
{
  FlRunController *self = FL_RUN_CONTROLLER (object);
  g_ptr_array_unref (self->jobs);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (fl_run_controller_parent_class)->finalize (object);
}

static void
fl_run_controller_class_init (FlRunControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = fl_run_controller_dispose;
  object_class->finalize = fl_run_controller_finalize;
}

static void
fl_run_controller_init (FlRunController *self)
{
  self->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_job_unref);
  self->context = g_main_context_ref_thread_default ();
  self->first_frame_seconds = NAN;
}
