/* Recording of op sequences as CUDA graphs (fl-backend.h: record_begin,
 * record_end, replay, recording_free).
 *
 * The trunk records each Evoformer block once per run and replays it on
 * later passes: a block is ~100-200 ops, and issuing them one by one costs
 * the host 5-30 us each (cuBLAS heuristics, launches) while many of the
 * kernels take less on an H100, so the GPU waited on the host. A replayed
 * graph issues the whole block in one call.
 *
 * While recording, every op that would need the host (upload, download,
 * synchronize, alloc, free, growing the scratch buffer) marks the recording
 * as failed instead of running; record_end then returns NULL and the caller
 * issues the ops directly. Errors raised by recorded ops are dropped with
 * the recording: those ops did not run, and the direct run raises them
 * again. A recording remembers the scratch generation it saw; once the
 * scratch buffer moved, replay refuses it. */
#include "fl-cuda-private.h"

typedef struct {
  cudaGraphExec_t exec;
  guint64 scratch_generation;
} FlCudaRecording;

void
fl_cuda_record_refuse (FlBackend *b, const char *why)
{
  FlCudaState *s = fl_cuda_state (b);
  if (!s->capture_failed)
    s->capture_why = why;
  s->capture_failed = TRUE;
}

gboolean
fl_cuda_record_begin (FlBackend *b)
{
  FlCudaState *s = fl_cuda_state (b);
  if (!s->use_graphs || s->profile || s->capturing || b->error)
    return FALSE;
  cudaStream_t st = fl_cuda_stream (b);
  if (cudaStreamBeginCapture (st, cudaStreamCaptureModeThreadLocal) != cudaSuccess)
    {
      cudaGetLastError ();
      return FALSE;
    }
  s->capturing = TRUE;
  s->capture_failed = FALSE;
  s->capture_why = NULL;
  return TRUE;
}

gpointer
fl_cuda_record_end (FlBackend *b)
{
  FlCudaState *s = fl_cuda_state (b);
  if (!s->capturing)
    return NULL;
  cudaGraph_t graph = NULL;
  cudaError_t st = cudaStreamEndCapture (s->stream, &graph);
  s->capturing = FALSE;
  /* Frees asked for while recording, now that the stream runs again. */
  for (guint i = 0; s->deferred_frees && i < s->deferred_frees->len; i++)
    b->ops->free (b, (float *) g_ptr_array_index (s->deferred_frees, i));
  if (s->deferred_frees)
    g_ptr_array_set_size (s->deferred_frees, 0);

  gboolean ok = st == cudaSuccess && graph != NULL && !s->capture_failed && b->error == NULL;
  if (!ok)
    {
      if (g_getenv ("FL_CUDA_GRAPH_DEBUG"))
        g_printerr ("foldlight: CUDA graph not recorded: %s\n",
                    s->capture_why ? s->capture_why
                    : b->error ? b->error->message : cudaGetErrorString (st));
      if (graph)
        cudaGraphDestroy (graph);
      cudaGetLastError ();
      g_clear_error (&b->error);
      return NULL;
    }
  cudaGraphExec_t exec = NULL;
  st = cudaGraphInstantiate (&exec, graph, 0);
  cudaGraphDestroy (graph);
  if (st != cudaSuccess)
    {
      cudaGetLastError ();
      return NULL;
    }
  FlCudaRecording *r = g_new0 (FlCudaRecording, 1);
  r->exec = exec;
  r->scratch_generation = s->scratch_generation;
  return r;
}

gboolean
fl_cuda_replay (FlBackend *b, gpointer recording)
{
  FlCudaState *s = fl_cuda_state (b);
  FlCudaRecording *r = (FlCudaRecording *) recording;
  if (!r || b->error || r->scratch_generation != s->scratch_generation)
    return FALSE;
  return FL_CUDA_CHECK (b, cudaGraphLaunch (r->exec, fl_cuda_stream (b)));
}

void
fl_cuda_recording_free (FlBackend *b, gpointer recording)
{
  FlCudaRecording *r = (FlCudaRecording *) recording;
  if (!r)
    return;
  fl_cuda_use_device (b);
  cudaGraphExecDestroy (r->exec);
  g_free (r);
}
