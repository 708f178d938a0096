/* The official-parameter download (app/fl-params-fetch.h) end to end against
 * a small HTTP server in this process on 127.0.0.1 (GET with Range, HEAD,
 * a cut connection, a server that ignores Range, 404), serving a small
 * tarball of one .npz with official names and a LICENSE. The server stops
 * with the test. */
#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include "fl-build-config.h"
#include "fl-npz.h"
#include "fl-params-fetch.h"
#include "fl-test-util.h"

typedef struct {
  GSocketListener *listener;
  GCancellable *stop;
  GThread *thread;
  guint16 port;
  GBytes *body;          /* what /params.tar serves */
  gint64 cut_after;      /* > 0: the next GET ends after this many body bytes */
  gboolean honour_range;
  gboolean slow;         /* 16 KB per ms: lets a cancel land mid-transfer */
  GMutex lock;
  gint64 last_range;     /* start of the last Range request, -1 none */
  int n_gets;
} Server;

static void
serve_one (Server *s, GSocketConnection *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  GString *req = g_string_new (NULL);
  char c;
  while (!strstr (req->str, "\r\n\r\n") && req->len < 8192
         && g_input_stream_read (in, &c, 1, NULL, NULL) == 1)
    g_string_append_c (req, c);
  gboolean head = g_str_has_prefix (req->str, "HEAD ");
  gboolean found = strstr (req->str, " /params.tar ") != NULL;
  gint64 start = 0;
  const char *range = strstr (req->str, "Range: bytes=");
  g_mutex_lock (&s->lock);
  if (!head)
    {
      s->n_gets++;
      s->last_range = range ? g_ascii_strtoll (range + 13, NULL, 10) : -1;
    }
  gint64 cut = head ? 0 : s->cut_after;
  if (!head)
    s->cut_after = 0;
  gboolean honour = s->honour_range, slow = s->slow;
  g_mutex_unlock (&s->lock);
  gsize size = 0;
  const char *data = g_bytes_get_data (s->body, &size);
  g_autofree char *hdr = NULL;
  if (!found)
    hdr = g_strdup ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  else if (range && honour && !head)
    {
      start = g_ascii_strtoll (range + 13, NULL, 10);
      hdr = g_strdup_printf ("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %" G_GINT64_FORMAT
                             "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT "\r\nContent-Length: %"
                             G_GINT64_FORMAT "\r\nConnection: close\r\n\r\n",
                             start, size - 1, size, (gint64) size - start);
    }
  else
    hdr = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %" G_GSIZE_FORMAT
                           "\r\nAccept-Ranges: %s\r\nConnection: close\r\n\r\n",
                           size, honour ? "bytes" : "none");
  g_output_stream_write_all (out, hdr, strlen (hdr), NULL, NULL, NULL);
  if (found && !head)
    {
      gint64 end = cut > 0 ? MIN ((gint64) size, start + cut) : (gint64) size;
      for (gint64 at = start; at < end;)
        {
          gsize chunk = (gsize) MIN (end - at, 16384);
          if (!g_output_stream_write_all (out, data + at, chunk, NULL, NULL, NULL))
            break;
          at += (gint64) chunk;
          if (slow)
            g_usleep (1000);
        }
    }
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_string_free (req, TRUE);
}

static gpointer
server_thread (gpointer data)
{
  Server *s = data;
  for (;;)
    {
      GSocketConnection *conn = g_socket_listener_accept (s->listener, NULL, s->stop, NULL);
      if (!conn)
        break; /* stopped */
      serve_one (s, conn);
      g_object_unref (conn);
    }
  return NULL;
}

static Server *
server_start (GBytes *body)
{
  Server *s = g_new0 (Server, 1);
  g_mutex_init (&s->lock);
  s->body = g_bytes_ref (body);
  s->honour_range = TRUE;
  s->last_range = -1;
  s->stop = g_cancellable_new ();
  s->listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  GSocketAddress *effective = NULL;
  GError *error = NULL;
  g_assert_true (g_socket_listener_add_address (s->listener, addr, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &effective,
                                                &error));
  g_assert_no_error (error);
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_object_unref (effective);
  s->thread = g_thread_new ("http", server_thread, s);
  return s;
}

static void
server_stop (Server *s)
{
  g_cancellable_cancel (s->stop);
  g_thread_join (s->thread);
  g_socket_listener_close (s->listener);
  g_object_unref (s->listener);
  g_object_unref (s->stop);
  g_bytes_unref (s->body);
  g_mutex_clear (&s->lock);
  g_free (s);
}

/* A tarball (made by tar(1)) of LICENSE and one .npz of about 400 KB. */
static GBytes *
make_tarball (const char *tmp)
{
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_assert_cmpint (g_mkdir_with_parents (src, 0755), ==, 0);
  g_autoptr (FlArrays) arrays = fl_arrays_new ();
  int64_t shape[2] = { 100, 1000 };
  float *w = g_new (float, 100 * 1000);
  fl_test_fill_random (w, 100 * 1000, 3);
  fl_arrays_add_f32 (arrays, "alphafold/alphafold_iteration/evoformer/preprocess_msa//weights",
                     2, shape, w);
  g_free (w);
  g_autofree char *npz = g_build_filename (src, "params_model_1_ptm.npz", NULL);
  GError *error = NULL;
  g_assert_true (fl_npz_save (arrays, npz, &error));
  g_autofree char *lic = g_build_filename (src, "LICENSE", NULL);
  g_assert_true (g_file_set_contents (lic, "CC BY 4.0 (test copy)\n", -1, &error));
  g_autofree char *tar = g_build_filename (tmp, "params.tar", NULL);
  const char *argv[] = { "tar", "-C", src, "-cf", tar, "LICENSE", "params_model_1_ptm.npz", NULL };
  int status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (tar, &data, &len, &error));
  return g_bytes_new_take (data, len);
}

typedef struct {
  char *tmp, *dir, *url, *part;
  GBytes *tar;
  Server *server;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmp = g_dir_make_tmp ("fl-fetch-XXXXXX", NULL);
  g_assert_nonnull (f->tmp);
  f->tar = make_tarball (f->tmp);
  f->server = server_start (f->tar);
  f->dir = g_build_filename (f->tmp, "params", NULL);
  f->url = g_strdup_printf ("http://127.0.0.1:%u/params.tar", f->server->port);
  f->part = g_build_filename (f->dir, "params.tar.part", NULL);
}

static void
remove_tree (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (path, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_unlink (p);
    }
  if (d)
    g_dir_close (d);
  g_rmdir (path);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  server_stop (f->server);
  remove_tree (f->tmp);
  g_bytes_unref (f->tar);
  g_free (f->tmp);
  g_free (f->dir);
  g_free (f->url);
  g_free (f->part);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;
  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

static char *
tar_sha (Fixture *f)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, f->tar);
}

static void
assert_installed (Fixture *f)
{
  g_autofree char *npz = fl_params_fetch_find_installed (f->dir);
  g_assert_nonnull (npz);
  g_assert_true (g_str_has_suffix (npz, "params_model_1_ptm.npz"));
  GError *error = NULL;
  g_assert_true (fl_params_fetch_check_npz (npz, &error));
  g_autofree char *src = g_build_filename (f->dir, "SOURCE.json", NULL);
  g_autofree char *json = NULL;
  g_assert_true (g_file_get_contents (src, &json, NULL, NULL));
  g_autofree char *sha = tar_sha (f);
  g_assert_nonnull (strstr (json, sha));
  g_assert_false (g_file_test (f->part, G_FILE_TEST_EXISTS)); /* tarball removed */
}

/* A connection cut mid-body; the second run asks for the rest only. */
static void
test_resume_after_cut (Fixture *f, gconstpointer data)
{
  gsize size = g_bytes_get_size (f->tar);
  f->server->cut_after = (gint64) size / 3;
  g_autofree char *sha = tar_sha (f);
  FlParamsFetchOptions o = { .url = f->url, .dir = f->dir, .sha256 = sha };
  GError *error = NULL;
  g_assert_null (fl_params_fetch (&o, &error));
  g_assert_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_NETWORK);
  g_test_message ("cut: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (file_size (f->part), ==, (gint64) size / 3);
  g_assert_null (fl_params_fetch_find_installed (f->dir));

  g_autofree char *got = fl_params_fetch (&o, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, sha);
  g_assert_cmpint (f->server->last_range, ==, (gint64) size / 3);
  g_assert_cmpint (f->server->n_gets, ==, 2);
  assert_installed (f);
}

static void
test_bad_checksum_refused (Fixture *f, gconstpointer data)
{
  FlParamsFetchOptions o = {
    .url = f->url, .dir = f->dir,
    .sha256 = "0000000000000000000000000000000000000000000000000000000000000000",
  };
  GError *error = NULL;
  g_assert_null (fl_params_fetch (&o, &error));
  g_assert_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_CHECKSUM);
  g_clear_error (&error);
  g_assert_false (g_file_test (f->part, G_FILE_TEST_EXISTS));
  g_assert_null (fl_params_fetch_find_installed (f->dir));
}

static void
cancel_midway (FlParamsFetchStage stage, gint64 done, gint64 total, gpointer user_data)
{
  if (stage == FL_PARAMS_FETCH_DOWNLOADING && done > 0)
    g_cancellable_cancel (user_data);
}

static void
test_cancel_then_resume (Fixture *f, gconstpointer data)
{
  f->server->slow = TRUE;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  FlParamsFetchOptions o = { .url = f->url, .dir = f->dir, .progress = cancel_midway,
                             .user_data = cancel, .cancellable = cancel };
  GError *error = NULL;
  g_assert_null (fl_params_fetch (&o, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  gint64 have = file_size (f->part);
  g_assert_cmpint (have, >, 0);
  g_assert_cmpint (have, <, (gint64) g_bytes_get_size (f->tar));

  FlParamsFetchOptions again = { .url = f->url, .dir = f->dir };
  g_autofree char *got = fl_params_fetch (&again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->server->last_range, ==, have);
  assert_installed (f);
}

/* A server without Range support: the part file starts over. */
static void
test_no_range_restarts (Fixture *f, gconstpointer data)
{
  f->server->honour_range = FALSE;
  f->server->cut_after = 50000;
  FlParamsFetchOptions o = { .url = f->url, .dir = f->dir };
  GError *error = NULL;
  g_assert_null (fl_params_fetch (&o, &error));
  g_clear_error (&error);
  g_assert_cmpint (file_size (f->part), ==, 50000);
  g_autofree char *got = fl_params_fetch (&o, &error);
  g_assert_no_error (error);
  g_autofree char *sha = tar_sha (f);
  g_assert_cmpstr (got, ==, sha);
  assert_installed (f);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  GError *error = NULL;
  g_autofree char *missing = g_strdup_printf ("http://127.0.0.1:%u/nothing.tar", f->server->port);
  FlParamsFetchOptions o = { .url = missing, .dir = f->dir };
  g_assert_null (fl_params_fetch (&o, &error));
  g_assert_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "404"));
  g_clear_error (&error);

  /* not a tarball */
  g_autofree char *junk = g_build_filename (f->tmp, "junk.tar", NULL);
  char block[2048];
  memset (block, 'x', sizeof block);
  g_assert_true (g_file_set_contents (junk, block, sizeof block, NULL));
  g_assert_false (fl_params_fetch_unpack (junk, f->dir, NULL, NULL, NULL, &error));
  g_assert_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_ARCHIVE);
  g_clear_error (&error);

  /* a file that is not a parameter file */
  g_autofree char *lic = g_build_filename (f->tmp, "src", "LICENSE", NULL);
  g_assert_false (fl_params_fetch_check_npz (lic, &error));
  g_assert_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_ARCHIVE);
  g_clear_error (&error);
}

/* foldlight-cli fetch-params against the same server. */
static void
test_cli (Fixture *f, gconstpointer data)
{
  const char *cli = g_getenv ("FL_CLI");
  g_assert_nonnull (cli);
  f->server->cut_after = 100000;
  g_autofree char *sha = tar_sha (f);
  const char *argv[] = { cli, "fetch-params", "--url", f->url, "--dir", f->dir,
                         "--sha256", sha, NULL };
  int status = 0;
  g_autofree char *out1 = NULL, *err1 = NULL, *out2 = NULL, *err2 = NULL;
  GError *error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out1, &err1, &status,
                               &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL)); /* cut */
  g_assert_nonnull (strstr (out1, FL_PARAMS_TARBALL_NAME));
  g_assert_nonnull (strstr (out1, "CC BY 4.0"));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out2, &err2, &status,
                               &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out2, sha));
  g_assert_cmpint (f->server->last_range, ==, 100000);
  assert_installed (f);
}

#if !FL_HAVE_CURL
/* Built without libcurl: the download says so and names the URL. */
static void
test_unavailable (void)
{
  FlParamsFetchOptions o = { 0 };
  GError *error = NULL;
  g_assert_null (fl_params_fetch (&o, &error));
  g_assert_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, FL_PARAMS_TARBALL_URL));
  g_clear_error (&error);
}
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#if FL_HAVE_CURL
  g_test_add ("/params-fetch/resume-after-cut", Fixture, NULL, fixture_setup,
              test_resume_after_cut, fixture_teardown);
  g_test_add ("/params-fetch/bad-checksum-refused", Fixture, NULL, fixture_setup,
              test_bad_checksum_refused, fixture_teardown);
  g_test_add ("/params-fetch/cancel-then-resume", Fixture, NULL, fixture_setup,
              test_cancel_then_resume, fixture_teardown);
  g_test_add ("/params-fetch/no-range-restarts", Fixture, NULL, fixture_setup,
              test_no_range_restarts, fixture_teardown);
  g_test_add ("/params-fetch/errors", Fixture, NULL, fixture_setup, test_errors,
              fixture_teardown);
  g_test_add ("/params-fetch/cli", Fixture, NULL, fixture_setup, test_cli, fixture_teardown);
#else
  g_test_add_func ("/params-fetch/unavailable", test_unavailable);
#endif
  return g_test_run ();
}
