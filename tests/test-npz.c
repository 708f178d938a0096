/* .npz reading and writing: every dtype, stored and deflated members, zip64,
 * .npy header versions, round trips, and clear errors on bad files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fl-build-config.h"
#include "fl-error.h"
#include "fl-npz.h"
#include "fl-test-util.h"

static char *tmpdir;

static char *
fixture (const char *name)
{
  return g_build_filename (FL_SOURCE_DIR, "tests", "data", "npz", name, NULL);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* The arrays of make-fixtures.py, checked value by value. */
static void
check_fixture_arrays (FlArrays *a)
{
  FlArray *x = fl_arrays_lookup (a, "f32");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_F32);
  g_assert_cmpint (x->ndim, ==, 3);
  g_assert_cmpint (x->shape[0], ==, 2);
  g_assert_cmpint (x->shape[1], ==, 3);
  g_assert_cmpint (x->shape[2], ==, 4);
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat (((float *) x->data)[i], ==, i * 0.5f - 3.0f);

  x = fl_arrays_lookup (a, "f16");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_F16);
  g_assert_cmpint (x->ndim, ==, 2);
  {
    g_autofree float *f = fl_array_to_f32 (x);
    for (int i = 0; i < 6; i++)
      g_assert_cmpfloat (f[i], ==, i * 0.25f - 1.0f);
  }

  x = fl_arrays_lookup (a, "f64");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_F64);
  for (int i = 0; i < 5; i++)
    g_assert_cmpfloat (((double *) x->data)[i], ==, i / 3.0);
  {
    g_autofree float *f = fl_array_to_f32 (x);
    g_assert_cmpfloat (f[4], ==, (float) (4 / 3.0));
  }

  x = fl_arrays_lookup (a, "i32");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_I32);
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (((int32_t *) x->data)[i], ==, i - 3);

  x = fl_arrays_lookup (a, "i64");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_I64);
  g_assert_cmpint (((int64_t *) x->data)[0], ==, (int64_t) 1 << 40);
  g_assert_cmpint (((int64_t *) x->data)[1], ==, -7);

  x = fl_arrays_lookup (a, "u8");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_U8);
  g_assert_cmpint (((guint8 *) x->data)[5], ==, 255);

  x = fl_arrays_lookup (a, "b1");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_BOOL);
  {
    g_autofree float *f = fl_array_to_f32 (x);
    g_assert_cmpfloat (f[0], ==, 1.0f);
    g_assert_cmpfloat (f[1], ==, 0.0f);
  }

  x = fl_arrays_lookup (a, "scalar");
  g_assert_nonnull (x);
  g_assert_cmpint (x->ndim, ==, 0);
  g_assert_cmpint (fl_array_numel (x), ==, 1);
  g_assert_cmpint (((int32_t *) x->data)[0], ==, 42);

  x = fl_arrays_lookup (a, "empty");
  g_assert_nonnull (x);
  g_assert_cmpint (x->ndim, ==, 2);
  g_assert_cmpint (fl_array_numel (x), ==, 0);

  x = fl_arrays_lookup (a, "text");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_UCS4);
  g_assert_cmpint (x->ndim, ==, 1);
  g_assert_cmpint (x->shape[0], ==, 4);
  g_assert_cmpint (((uint32_t *) x->data)[0], ==, 'A');
  g_assert_cmpint (((uint32_t *) x->data)[3], ==, 'E');

  g_assert_nonnull (fl_arrays_lookup (a, "group/name//weights"));

  x = fl_arrays_lookup (a, "bf16");
  g_assert_nonnull (x);
  g_assert_cmpint (x->dtype, ==, FL_DTYPE_BF16);
  {
    g_autofree float *f = fl_array_to_f32 (x);
    g_assert_cmpfloat (f[0], ==, 1.0f);
    g_assert_cmpfloat (f[1], ==, -2.5f);
    g_assert_cmpfloat (f[2], ==, 0.15625f);
    g_assert_cmpfloat (fabsf (f[3] - 3e38f) / 3e38f, <, 0.01);
  }
}

static void
test_read_stored (void)
{
  g_autofree char *path = fixture ("stored.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) a = fl_npz_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fl_arrays_size (a), ==, 12);
  check_fixture_arrays (a);
}

static void
test_read_deflated (void)
{
  g_autofree char *path = fixture ("deflated.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) a = fl_npz_load (path, &error);
  g_assert_no_error (error);
  check_fixture_arrays (a);
}

static void
test_peek_and_f32 (void)
{
  g_autofree char *path = fixture ("deflated.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlNpz) npz = fl_npz_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (fl_npz_has (npz, "f16"));
  g_assert_false (fl_npz_has (npz, "nope"));
  FlDtype dt;
  int ndim;
  int64_t shape[FL_ARRAY_MAX_DIMS];
  g_assert_true (fl_npz_peek (npz, "f16", &dt, &ndim, shape, &error));
  g_assert_cmpint (dt, ==, FL_DTYPE_F16);
  g_assert_cmpint (ndim, ==, 2);
  g_assert_cmpint (shape[0], ==, 3);
  g_assert_cmpint (shape[1], ==, 2);
  float buf[6];
  g_assert_true (fl_npz_read_f32_into (npz, "f16", buf, 6, &error));
  g_assert_cmpfloat (buf[5], ==, 0.25f);
  /* Wrong element count and missing member are errors naming the array. */
  g_assert_false (fl_npz_read_f32_into (npz, "f16", buf, 5, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "f16"));
  g_clear_error (&error);
  g_assert_null (fl_npz_read (npz, "nope", &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "nope"));
  g_assert_nonnull (strstr (error->message, "deflated.npz"));
}

static void
test_zip64_members (void)
{
  g_autofree char *path = fixture ("zip64.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) a = fl_npz_load (path, &error);
  g_assert_no_error (error);
  FlArray *x = fl_arrays_lookup (a, "f32");
  g_assert_nonnull (x);
  g_assert_cmpfloat (((float *) x->data)[23], ==, 23 * 0.5f - 3.0f);
  g_assert_nonnull (fl_arrays_lookup (a, "i32"));
}

static void
test_versions (void)
{
  g_autofree char *path = fixture ("versions.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlNpz) npz = fl_npz_open (path, &error);
  g_assert_no_error (error);
  FlArray *v2 = fl_npz_read (npz, "v2", &error);
  g_assert_no_error (error);
  g_assert_cmpint (v2->shape[2], ==, 4);
  g_assert_cmpfloat (((float *) v2->data)[1], ==, -2.5f);
  fl_array_free (v2);

  g_assert_null (fl_npz_read (npz, "fortran", &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "Fortran"));
  g_assert_nonnull (strstr (error->message, "fortran.npy"));
  g_clear_error (&error);

  g_assert_null (fl_npz_read (npz, "bigendian", &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, ">f4"));
}

static void
test_round_trip (void)
{
  g_autofree char *path = fixture ("stored.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) a = fl_npz_load (path, &error);
  g_assert_no_error (error);
  g_autofree char *out = tmp_path ("round.npz");
  g_assert_true (fl_npz_save (a, out, &error));
  g_assert_no_error (error);
  g_autoptr(FlArrays) b = fl_npz_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fl_arrays_size (b), ==, fl_arrays_size (a));
  check_fixture_arrays (b);
  for (guint i = 0; i < fl_arrays_size (a); i++)
    {
      FlArray *x = fl_arrays_index (a, i);
      FlArray *y = fl_arrays_index (b, i);
      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpint (x->dtype, ==, y->dtype);
      g_assert_cmpint (x->ndim, ==, y->ndim);
      g_assert_cmpmem (x->shape, sizeof x->shape, y->shape, sizeof y->shape);
      gsize bytes = fl_array_numel (x) * fl_dtype_size (x->dtype);
      g_assert_cmpmem (x->data, bytes, y->data, bytes);
    }
}

/* More than 65535 members forces the zip64 end-of-directory records. */
static void
test_round_trip_zip64_many (void)
{
  g_autoptr(FlArrays) a = fl_arrays_new ();
  const int n = 65540;
  for (int i = 0; i < n; i++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "a%05d", i);
      int32_t v = i * 7;
      fl_arrays_add_i32 (a, name, 0, NULL, &v);
    }
  g_autofree char *out = tmp_path ("many.npz");
  g_autoptr(GError) error = NULL;
  g_assert_true (fl_npz_save (a, out, &error));
  g_assert_no_error (error);
  g_autoptr(FlNpz) npz = fl_npz_open (out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fl_npz_n_members (npz), ==, n);
  FlArray *x = fl_npz_read (npz, "a65539", &error);
  g_assert_no_error (error);
  g_assert_cmpint (((int32_t *) x->data)[0], ==, 65539 * 7);
  fl_array_free (x);
  g_unlink (out);
}

static void
test_golden_readable (void)
{
  const char *cases[] = { "tiny", "realdim", "single" };
  const char *files[] = { "features.npz", "outputs.npz", "recycles.npz" };
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    for (gsize f = 0; f < G_N_ELEMENTS (files); f++)
      {
        g_autofree char *path = fl_test_golden_path (cases[c], files[f]);
        if (!fl_test_require_file (path))
          return;
        g_autoptr(GError) error = NULL;
        g_autoptr(FlArrays) a = fl_npz_load (path, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (fl_arrays_size (a), >, 5);
      }
  g_autofree char *path = fl_test_golden_path ("tiny", "params_tiny.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) p = fl_npz_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fl_arrays_size (p), ==, 267);
  g_autoptr(FlArrays) feats = NULL;
  g_autofree char *fpath = fl_test_golden_path ("tiny", "features.npz");
  feats = fl_npz_load (fpath, &error);
  FlArray *msa = fl_arrays_lookup (feats, "msa_feat");
  g_assert_nonnull (msa);
  g_assert_cmpint (msa->ndim, ==, 3);
  g_assert_cmpint (msa->shape[2], ==, 49);
  FlArray *q = fl_arrays_lookup (feats, "debug/query_sequence");
  g_assert_nonnull (q);
  g_assert_cmpint (q->dtype, ==, FL_DTYPE_UCS4);
  g_assert_cmpint (q->shape[0], ==, 24);
}

static void
write_bytes (const char *path, const void *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (g_file_set_contents (path, data, len, &error));
}

static void
test_bad_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = fixture ("stored.npz");
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (src, &contents, &len, &error));

  /* Missing file. */
  g_autofree char *nofile = tmp_path ("does-not-exist.npz");
  g_assert_null (fl_npz_open (nofile, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "does-not-exist.npz"));
  g_clear_error (&error);

  /* A text file renamed to .npz. */
  g_autofree char *renamed = tmp_path ("renamed.npz");
  const char *text = ">query\nACDEFGHIKLMNPQRSTVWY\n";
  write_bytes (renamed, text, strlen (text));
  g_assert_null (fl_npz_load (renamed, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "renamed.npz"));
  g_assert_nonnull (strstr (error->message, "not a zip"));
  g_clear_error (&error);

  /* Empty file. */
  g_autofree char *empty = tmp_path ("empty.npz");
  write_bytes (empty, "", 0);
  g_assert_null (fl_npz_load (empty, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_clear_error (&error);

  /* Truncated at many points: always an error, never a crash. */
  g_autofree char *trunc = tmp_path ("truncated.npz");
  for (gsize cut = 0; cut < len; cut += 97)
    {
      write_bytes (trunc, contents, cut);
      FlArrays *a = fl_npz_load (trunc, &error);
      g_assert_null (a);
      g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, "truncated.npz"));
      g_clear_error (&error);
    }

  /* Data cut in the middle but the directory kept: the member is named. */
  g_autofree char *holed = tmp_path ("corrupt.npz");
  g_autofree char *copy = g_memdup2 (contents, len);
  for (gsize i = 200; i < 260; i++)
    copy[i] ^= 0x5a;
  write_bytes (holed, copy, len);
  g_assert_null (fl_npz_load (holed, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "member '"));
  g_clear_error (&error);

  /* Corrupt deflate data. */
  g_autofree char *dsrc = fixture ("deflated.npz");
  g_autofree char *dcont = NULL;
  gsize dlen;
  g_assert_true (g_file_get_contents (dsrc, &dcont, &dlen, &error));
  for (gsize i = 60; i < 120; i++)
    dcont[i] = (char) (i * 37);
  g_autofree char *dbad = tmp_path ("bad-deflate.npz");
  write_bytes (dbad, dcont, dlen);
  g_assert_null (fl_npz_load (dbad, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "bad-deflate.npz"));
  g_clear_error (&error);
}

/* deflated.npz with the central directory's uncompressed size of f32.npy
 * replaced by `usize`. */
static char *
lying_size_fixture (const char *name, guint32 usize)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = fixture ("deflated.npz");
  g_autofree char *b = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (src, &b, &len, &error));
  const char *e = memmem (b, len, "PK\x01\x02", 4);
  g_assert_nonnull (e);
  g_assert_cmpmem (e + 46, 7, "f32.npy", 7);
  guint8 *u = (guint8 *) e + 24;
  for (int k = 0; k < 4; k++)
    u[k] = (usize >> (8 * k)) & 0xff;
  char *path = tmp_path (name);
  write_bytes (path, b, len);
  return path;
}

/* A fuzzing finding: a 2.3 KB archive whose directory declares a 4 GiB
 * deflated member made the reader allocate the declared size before
 * inflating. Now a size beyond deflate's 1032:1 limit is refused outright,
 * and a smaller lie fails after inflating only what is there. */
static void
test_declared_size (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = lying_size_fixture ("declared-4gib.npz", 0xffffffffu);
  g_autoptr(FlNpz) npz = fl_npz_open (big, &error);
  g_assert_no_error (error);
  g_assert_null (fl_npz_read (npz, "f32", &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "f32.npy"));
  g_assert_nonnull (strstr (error->message, "more than deflate can produce"));
  g_clear_error (&error);
  g_assert_false (fl_npz_peek (npz, "f32", NULL, NULL, NULL, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_clear_error (&error);
  /* The other members are still read. */
  FlArray *f16 = fl_npz_read (npz, "f16", &error);
  g_assert_no_error (error);
  g_assert_cmpint (f16->dtype, ==, FL_DTYPE_F16);
  fl_array_free (f16);

  /* Within the ratio (139 compressed bytes declaring 100000): inflating
   * stops at the real end of the stream, 224 bytes. */
  g_autofree char *small = lying_size_fixture ("declared-100k.npz", 100000);
  g_autoptr(FlNpz) npz2 = fl_npz_open (small, &error);
  g_assert_no_error (error);
  g_assert_null (fl_npz_read (npz2, "f32", &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "inflated 224 of 100000 bytes"));
  g_clear_error (&error);
}

/* Random byte corruptions of both fixtures: every load either succeeds or
 * fails with an error naming the file; nothing crashes. */
static void
test_fuzz (void)
{
  const char *names[] = { "stored.npz", "deflated.npz" };
  guint64 state = 12345;
  char *out = NULL;
  int failed = 0, loaded = 0;
  for (gsize f = 0; f < G_N_ELEMENTS (names); f++)
    {
      g_autofree char *src = fixture (names[f]);
      g_autofree char *contents = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
      for (int round = 0; round < 200; round++)
        {
          g_autofree char *copy = g_memdup2 (contents, len);
          int n_flips = 1 + round % 8;
          for (int k = 0; k < n_flips; k++)
            {
              state = state * 6364136223846793005ull + 1442695040888963407ull;
              gsize at = (state >> 33) % len;
              copy[at] = (char) (state >> 17);
            }
          g_free (out);
          out = g_strdup_printf ("%s/fuzz-%d-%d.npz", tmpdir, (int) f, round);
          FILE *fp = fopen (out, "wb");
          g_assert_nonnull (fp);
          g_assert_cmpuint (fwrite (copy, 1, len, fp), ==, len);
          fclose (fp);
          GError *error = NULL;
          FlArrays *a = fl_npz_load (out, &error);
          g_unlink (out);
          if (a == NULL)
            {
              g_assert_nonnull (error);
              g_assert_nonnull (strstr (error->message, "fuzz-"));
              g_error_free (error);
              failed++;
            }
          else
            {
              loaded++;
              fl_arrays_unref (a);
            }
        }
    }
  g_free (out);
  g_test_message ("fuzz: %d corrupted archives refused, %d still loadable", failed, loaded);
  g_assert_cmpint (failed, >, 200);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("fl-test-npz-XXXXXX", NULL);
  g_test_add_func ("/model/npz/read-stored", test_read_stored);
  g_test_add_func ("/model/npz/read-deflated", test_read_deflated);
  g_test_add_func ("/model/npz/peek-f32", test_peek_and_f32);
  g_test_add_func ("/model/npz/zip64-members", test_zip64_members);
  g_test_add_func ("/model/npz/npy-versions", test_versions);
  g_test_add_func ("/model/npz/round-trip", test_round_trip);
  g_test_add_func ("/model/npz/zip64-many", test_round_trip_zip64_many);
  g_test_add_func ("/model/npz/golden-readable", test_golden_readable);
  g_test_add_func ("/model/npz/bad-files", test_bad_files);
  g_test_add_func ("/model/npz/declared-size", test_declared_size);
  g_test_add_func ("/model/npz/fuzz", test_fuzz);
  int rc = g_test_run ();
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  const char *entry;
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (tmpdir, entry, NULL);
      g_unlink (p);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
