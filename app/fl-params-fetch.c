/* Official parameter download: HEAD, resumable GET, verify, unpack (see
 * fl-params-fetch.h). HTTP through libcurl. */
#include "fl-params-fetch.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "fl-build-config.h"
#include "fl-npz.h"
#include "fl-params.h"
#if FL_HAVE_CURL
#include <curl/curl.h>
#endif

G_DEFINE_QUARK (fl-params-fetch-error-quark, fl_params_fetch_error)

char *
fl_params_fetch_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "foldlight", "params", NULL);
}

gboolean
fl_params_fetch_check_npz (const char *path, GError **error)
{
  GError *local = NULL;
  FlNpz *npz = fl_npz_open (path, &local);
  if (!npz)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_ARCHIVE,
                   "%s is not a parameter file: %s", path, local->message);
      g_error_free (local);
      return FALSE;
    }
  guint n = fl_npz_n_members (npz), official = 0;
  for (guint i = 0; i < n; i++)
    official += g_str_has_prefix (fl_npz_member_name (npz, i), "alphafold/alphafold_iteration/");
  fl_npz_close (npz);
  if (official == 0)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_ARCHIVE,
                   "%s holds %u arrays but none with AlphaFold's parameter names "
                   "(alphafold/alphafold_iteration/...)", path, n);
      return FALSE;
    }
  return TRUE;
}

char *
fl_params_fetch_find_installed (const char *dir)
{
  g_autofree char *def = dir ? NULL : fl_params_fetch_default_dir ();
  const char *d = dir ? dir : def;
  char *best = g_build_filename (d, "params_model_1_ptm.npz", NULL);
  if (g_file_test (best, G_FILE_TEST_IS_REGULAR))
    return best;
  g_free (best);
  g_autoptr (GDir) gd = g_dir_open (d, 0, NULL);
  const char *name;
  char *found = NULL;
  while (gd && (name = g_dir_read_name (gd)))
    if (g_str_has_prefix (name, "params_model_") && g_str_has_suffix (name, ".npz")
        && !strstr (name, "multimer")
        && (!found || strcmp (name, strrchr (found, G_DIR_SEPARATOR) + 1) < 0))
      {
        g_free (found);
        found = g_build_filename (d, name, NULL);
      }
  return found;
}

/* ------------------------------------------------------------------ tar */

/* Octal field of a ustar header (NUL/space terminated); -1 when malformed. */
static gint64
tar_octal (const char *field, int len)
{
  gint64 v = 0;
  int i = 0;
  while (i < len && field[i] == ' ')
    i++;
  if (i == len || field[i] < '0' || field[i] > '7')
    return -1;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; i++)
    v = v * 8 + (field[i] - '0');
  return v;
}

static gboolean
tar_header_ok (const guint8 *h)
{
  gint64 want = tar_octal ((const char *) h + 148, 8);
  gint64 sum = 0;
  for (int i = 0; i < 512; i++)
    sum += i >= 148 && i < 156 ? ' ' : h[i];
  return want == sum;
}

static gboolean
archive_error (GError **error, const char *tar_path, const char *what)
{
  g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_ARCHIVE,
               "%s is not a parameter tarball: %s", tar_path, what);
  return FALSE;
}

gboolean
fl_params_fetch_unpack (const char *tar_path, const char *dir, FlParamsFetchProgress progress,
                        gpointer user_data, GCancellable *cancellable, GError **error)
{
  FILE *f = g_fopen (tar_path, "rb");
  if (!f)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO, "cannot open %s: %s",
                   tar_path, g_strerror (errno));
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      fclose (f);
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                   "cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  GStatBuf st;
  gint64 total = g_stat (tar_path, &st) == 0 ? (gint64) st.st_size : -1;
  gint64 done = 0;
  guint8 h[512];
  char *buf = g_malloc (1 << 20);
  gboolean ok = TRUE, ended = FALSE;
  int n_npz = 0;
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  while (ok)
    {
      if (fread (h, 1, 512, f) != 512)
        {
          ok = archive_error (error, tar_path, "it ends inside a header");
          break;
        }
      done += 512;
      gboolean zero = TRUE;
      for (int i = 0; i < 512 && zero; i++)
        zero = h[i] == 0;
      if (zero)
        {
          ended = TRUE;
          break;
        }
      if (!tar_header_ok (h))
        {
          ok = archive_error (error, tar_path, "a header checksum is wrong");
          break;
        }
      gint64 size = tar_octal ((const char *) h + 124, 12);
      if (size < 0)
        {
          ok = archive_error (error, tar_path, "a size field is malformed");
          break;
        }
      char name[257] = { 0 };
      if (memcmp (h + 257, "ustar", 5) == 0 && h[345])
        g_snprintf (name, sizeof name, "%.155s/%.100s", (const char *) h + 345,
                    (const char *) h);
      else
        g_snprintf (name, sizeof name, "%.100s", (const char *) h);
      const char *base = g_str_has_prefix (name, "./") ? name + 2 : name;
      char type = (char) h[156];
      gboolean regular = type == '0' || type == '\0';
      gint64 padded = (size + 511) / 512 * 512;
      if (!regular)
        {
          /* directories, pax headers, links: skipped (a flat tarball has none of use) */
          if (fseeko (f, padded, SEEK_CUR) != 0)
            {
              ok = archive_error (error, tar_path, "it is truncated");
              break;
            }
          done += padded;
          continue;
        }
      if (!*base || strchr (base, '/') || strcmp (base, "..") == 0 || base[0] == '.')
        {
          g_autofree char *what = g_strdup_printf ("the entry '%s' is not a plain file name",
                                                   name);
          ok = archive_error (error, tar_path, what);
          break;
        }
      g_autofree char *out_path = g_build_filename (dir, base, NULL);
      g_autofree char *tmp_path = g_strconcat (out_path, ".unpacking", NULL);
      FILE *o = g_fopen (tmp_path, "wb");
      if (!o)
        {
          g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                       "cannot write %s: %s", tmp_path, g_strerror (errno));
          ok = FALSE;
          break;
        }
      gint64 left = size;
      while (ok && left > 0)
        {
          size_t chunk = (size_t) MIN (left, (gint64) (1 << 20));
          if (fread (buf, 1, chunk, f) != chunk)
            ok = archive_error (error, tar_path, "it is truncated inside a file");
          else if (fwrite (buf, 1, chunk, o) != chunk)
            {
              g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                           "cannot write %s: %s", tmp_path, g_strerror (errno));
              ok = FALSE;
            }
          left -= (gint64) chunk;
          done += (gint64) chunk;
          if (progress)
            progress (FL_PARAMS_FETCH_UNPACKING, done, total, user_data);
          if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
            ok = FALSE;
        }
      if (fclose (o) != 0 && ok)
        {
          g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                       "cannot write %s: %s", tmp_path, g_strerror (errno));
          ok = FALSE;
        }
      if (ok && fseeko (f, padded - size, SEEK_CUR) != 0)
        ok = archive_error (error, tar_path, "it is truncated");
      done += padded - size;
      if (ok && g_str_has_suffix (base, ".npz"))
        {
          ok = fl_params_fetch_check_npz (tmp_path, error);
          n_npz += ok;
        }
      if (ok && g_rename (tmp_path, out_path) != 0)
        {
          g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                       "cannot rename %s: %s", tmp_path, g_strerror (errno));
          ok = FALSE;
        }
      if (!ok)
        g_unlink (tmp_path);
      else
        g_ptr_array_add (written, g_steal_pointer (&out_path));
    }
  fclose (f);
  g_free (buf);
  if (ok && !ended)
    ok = archive_error (error, tar_path, "it has no end-of-archive marker");
  if (ok && n_npz == 0)
    ok = archive_error (error, tar_path, "it holds no .npz parameter file");
  if (!ok)
    for (guint i = 0; i < written->len; i++)
      g_unlink (written->pdata[i]);
  return ok;
}

/* ------------------------------------------------------------- download */

static char *
sha256_of_file (const char *path, FlParamsFetchProgress progress, gpointer user_data,
                GCancellable *cancellable, GError **error)
{
  FILE *f = g_fopen (path, "rb");
  if (!f)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO, "cannot open %s: %s",
                   path, g_strerror (errno));
      return NULL;
    }
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 *buf = g_malloc (1 << 20);
  gint64 done = 0;
  size_t n;
  while ((n = fread (buf, 1, 1 << 20, f)) > 0)
    {
      g_checksum_update (sum, buf, n);
      done += (gint64) n;
      if (progress)
        progress (FL_PARAMS_FETCH_VERIFYING, done, -1, user_data);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          fclose (f);
          g_free (buf);
          return NULL;
        }
    }
  gboolean bad = ferror (f);
  fclose (f);
  g_free (buf);
  if (bad)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO, "cannot read %s",
                   path);
      return NULL;
    }
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
write_source_json (const char *dir, const char *url, gint64 size, const char *sha256,
                   gboolean sha_expected, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "bytes");
  json_builder_add_int_value (b, size);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sha256);
  json_builder_set_member_name (b, "sha256_checked_against");
  json_builder_add_string_value (b, sha_expected ? "the value given to the download"
                                                 : "nothing (no official checksum is published)");
  json_builder_set_member_name (b, "licence");
  json_builder_add_string_value (b, FL_PARAMS_TARBALL_LICENCE);
  json_builder_set_member_name (b, "publisher");
  json_builder_add_string_value (b, FL_PARAMS_TARBALL_PUBLISHER);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *when = g_date_time_format_iso8601 (now);
  json_builder_set_member_name (b, "downloaded");
  json_builder_add_string_value (b, when);
  json_builder_end_object (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  g_autofree char *path = g_build_filename (dir, "SOURCE.json", NULL);
  if (!json_generator_to_file (gen, path, error))
    return FALSE;
  return TRUE;
}

#if FL_HAVE_CURL

typedef struct {
  FILE *out;
  const char *part_path;
  gint64 offset;        /* bytes already in the part file when the GET began */
  gboolean bad_status;
  long status;
  CURL *curl;
  const FlParamsFetchOptions *opts;
  gint64 total;
} Transfer;

static size_t
on_data (char *data, size_t size, size_t nmemb, void *user_data)
{
  Transfer *t = user_data;
  size_t n = size * nmemb;
  if (t->status == 0)
    {
      curl_easy_getinfo (t->curl, CURLINFO_RESPONSE_CODE, &t->status);
      if (t->status != 200 && t->status != 206)
        {
          t->bad_status = TRUE;
          return 0;
        }
    }
  return fwrite (data, 1, n, t->out) == n ? n : 0;
}

static int
on_progress (void *user_data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
             curl_off_t ulnow)
{
  Transfer *t = user_data;
  if (g_cancellable_is_cancelled (t->opts->cancellable))
    return 1;
  if (t->opts->progress)
    t->opts->progress (FL_PARAMS_FETCH_DOWNLOADING, t->offset + (gint64) dlnow, t->total,
                       t->opts->user_data);
  return 0;
}

static gpointer
curl_init_once (gpointer data)
{
  curl_global_init (CURL_GLOBAL_DEFAULT);
  return NULL;
}

static void
curl_common (CURL *c, const char *url, char *errbuf)
{
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, 1L);   /* give up after 60 s of silence */
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "foldlight/" FL_VERSION);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
}

/* Size by HEAD (-1 when the server does not say). */
static gboolean
remote_size (const char *url, gint64 *size, GError **error)
{
  char errbuf[CURL_ERROR_SIZE] = { 0 };
  CURL *c = curl_easy_init ();
  curl_common (c, url, errbuf);
  curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  CURLcode rc = curl_easy_perform (c);
  long status = 0;
  curl_off_t len = -1;
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo (c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
  curl_easy_cleanup (c);
  if (rc != CURLE_OK)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_NETWORK,
                   "cannot reach %s: %s", url, *errbuf ? errbuf : curl_easy_strerror (rc));
      return FALSE;
    }
  if (status >= 400)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_NETWORK,
                   "%s answered HTTP %ld", url, status);
      return FALSE;
    }
  *size = len;
  return TRUE;
}

static gboolean
download (const FlParamsFetchOptions *o, const char *url, const char *part_path, gint64 total,
          GError **error)
{
  GStatBuf st;
  gint64 have = g_stat (part_path, &st) == 0 ? (gint64) st.st_size : 0;
  if (total >= 0 && have > total)
    {
      g_unlink (part_path); /* longer than the file: not a prefix of it */
      have = 0;
    }
  if (total >= 0 && have == total)
    return TRUE;
  FILE *out = g_fopen (part_path, "ab");
  if (!out)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                   "cannot write %s: %s", part_path, g_strerror (errno));
      return FALSE;
    }
  char errbuf[CURL_ERROR_SIZE] = { 0 };
  CURL *c = curl_easy_init ();
  Transfer t = { .out = out, .part_path = part_path, .offset = have, .curl = c, .opts = o,
                 .total = total };
  curl_common (c, url, errbuf);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt (c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (c, CURLOPT_XFERINFODATA, &t);
  if (have > 0)
    curl_easy_setopt (c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) have);
  CURLcode rc = curl_easy_perform (c);
  curl_easy_cleanup (c);
  gboolean closed = fclose (out) == 0;
  if (rc == CURLE_RANGE_ERROR && have > 0 && closed)
    {
      /* the server ignores Range: start the file again */
      g_unlink (part_path);
      return download (o, url, part_path, total, error);
    }
  if (rc == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (o->cancellable))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   "Download cancelled; run it again to resume from %s", part_path);
      return FALSE;
    }
  if (t.bad_status)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_NETWORK,
                   "%s answered HTTP %ld", url, t.status);
      return FALSE;
    }
  if (rc != CURLE_OK)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_NETWORK,
                   "download of %s stopped: %s; run it again to resume", url,
                   *errbuf ? errbuf : curl_easy_strerror (rc));
      return FALSE;
    }
  if (!closed)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                   "cannot write %s: %s", part_path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

char *
fl_params_fetch (const FlParamsFetchOptions *o, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, curl_init_once, NULL);
  const char *url = o->url ? o->url : FL_PARAMS_TARBALL_URL;
  g_autofree char *def_dir = o->dir ? NULL : fl_params_fetch_default_dir ();
  const char *dir = o->dir ? o->dir : def_dir;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_IO,
                   "cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  g_autofree char *base = g_path_get_basename (url);
  if (!g_str_has_suffix (base, ".tar"))
    {
      g_free (base);
      base = g_strdup (FL_PARAMS_TARBALL_NAME);
    }
  g_autofree char *part_path = g_strdup_printf ("%s%c%s.part", dir, G_DIR_SEPARATOR, base);
  gint64 total = -1;
  if (!remote_size (url, &total, error))
    return NULL;
  if (!download (o, url, part_path, total, error))
    return NULL;

  GStatBuf st;
  gint64 got = g_stat (part_path, &st) == 0 ? (gint64) st.st_size : -1;
  if (total >= 0 && got != total)
    {
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_NETWORK,
                   "the download stopped at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                   " bytes; run it again to resume", got, total);
      return NULL;
    }
  g_autofree char *sha = sha256_of_file (part_path, o->progress, o->user_data, o->cancellable,
                                         error);
  if (!sha)
    return NULL;
  if (o->sha256 && g_ascii_strcasecmp (o->sha256, sha) != 0)
    {
      g_unlink (part_path);
      g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_CHECKSUM,
                   "the SHA-256 of the download is %s, not the expected %s: the file was "
                   "removed and nothing was installed", sha, o->sha256);
      return NULL;
    }
  if (!fl_params_fetch_unpack (part_path, dir, o->progress, o->user_data, o->cancellable, error))
    return NULL;
  if (!write_source_json (dir, url, got, sha, o->sha256 != NULL, error))
    return NULL;
  g_unlink (part_path); /* unpacked: the tarball is not needed again */
  return g_steal_pointer (&sha);
}

#else /* !FL_HAVE_CURL */

char *
fl_params_fetch (const FlParamsFetchOptions *o, GError **error)
{
  (void) write_source_json;
  (void) sha256_of_file;
  g_set_error (error, FL_PARAMS_FETCH_ERROR, FL_PARAMS_FETCH_ERROR_UNAVAILABLE,
               "this Foldlight was built without libcurl, so it cannot download; fetch %s "
               "yourself and open it, or rebuild with libcurl4-openssl-dev installed",
               FL_PARAMS_TARBALL_URL);
  return NULL;
}

#endif
