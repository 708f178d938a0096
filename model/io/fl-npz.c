/* .npz reading and writing: a zip archive (stored or deflated members,
 * zip64) of .npy files. The archive is memory-mapped; members are located
 * through the central directory and decoded on demand. */
#include "fl-npz.h"
#include "fl-error.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_ZIP64_EOCD 0x06064b50u
#define SIG_ZIP64_LOCATOR 0x07064b50u

#define METHOD_STORED 0
#define METHOD_DEFLATED 8

/* ------------------------------------------------------------------ CRC32 */

static guint32 crc_table[8][256];

static void
crc_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      for (guint32 i = 0; i < 256; i++)
        {
          guint32 c = i;
          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
          crc_table[0][i] = c;
        }
      for (guint32 i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
          crc_table[t][i] = (crc_table[t - 1][i] >> 8)
                            ^ crc_table[0][crc_table[t - 1][i] & 0xff];
      g_once_init_leave (&done, 1);
    }
}

/* Running CRC-32 (zip polynomial); start with crc = 0. Slicing by 8. */
static guint32
crc32_update (guint32 crc, const guint8 *p, gsize n)
{
  crc_init ();
  crc = ~crc;
  while (n >= 8)
    {
      guint32 lo = crc ^ ((guint32) p[0] | (guint32) p[1] << 8
                          | (guint32) p[2] << 16 | (guint32) p[3] << 24);
      guint32 hi = (guint32) p[4] | (guint32) p[5] << 8
                   | (guint32) p[6] << 16 | (guint32) p[7] << 24;
      crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff]
            ^ crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24]
            ^ crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff]
            ^ crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
      p += 8;
      n -= 8;
    }
  while (n--)
    crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* ------------------------------------------------------------ little endian */

static inline guint16
rd16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static inline guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16
         | (guint32) p[3] << 24;
}

static inline guint64
rd64 (const guint8 *p)
{
  return (guint64) rd32 (p) | (guint64) rd32 (p + 4) << 32;
}

/* ------------------------------------------------------------------ reader */

typedef struct {
  char *member;        /* file name inside the zip */
  char *name;          /* array name (member without ".npy") */
  guint16 method;
  guint16 flags;
  guint32 crc;
  guint64 csize, usize;
  guint64 local_offset;
} Member;

struct _FlNpz {
  char *path;
  char *basename;
  GMappedFile *map;
  const guint8 *data;
  gsize size;
  GArray *members;        /* Member */
  GHashTable *by_name;    /* array name -> index + 1 */
};

static void
member_clear (gpointer p)
{
  Member *m = p;
  g_free (m->member);
  g_free (m->name);
}

void
fl_npz_close (FlNpz *npz)
{
  if (npz == NULL)
    return;
  if (npz->by_name)
    g_hash_table_unref (npz->by_name);
  if (npz->members)
    g_array_unref (npz->members);
  if (npz->map)
    g_mapped_file_unref (npz->map);
  g_free (npz->path);
  g_free (npz->basename);
  g_free (npz);
}

static gboolean
fail (GError **error, int code, FlNpz *npz, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (GError **error, int code, FlNpz *npz, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, FL_NPZ_ERROR, code, "%s: %s", npz->path, msg);
  return FALSE;
}

/* Find the end-of-central-directory record; fill the directory location. */
static gboolean
find_directory (FlNpz *npz, guint64 *cd_offset, guint64 *cd_size,
                guint64 *n_entries, GError **error)
{
  const guint8 *d = npz->data;
  gsize size = npz->size;
  if (size < 22)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "not a zip/.npz archive (%" G_GSIZE_FORMAT " bytes, no end-of-directory record)",
                 size);

  gsize lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  gssize eocd = -1;
  for (gssize pos = (gssize) size - 22; pos >= (gssize) lowest; pos--)
    {
      if (rd32 (d + pos) == SIG_EOCD
          && (gsize) pos + 22 + rd16 (d + pos + 20) <= size)
        {
          eocd = pos;
          break;
        }
    }
  if (eocd < 0)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "not a zip/.npz archive, or truncated (no end-of-central-directory record)");

  const guint8 *e = d + eocd;
  *n_entries = rd16 (e + 10);
  *cd_size = rd32 (e + 12);
  *cd_offset = rd32 (e + 16);

  /* Zip64: a locator right before the EOCD points at the zip64 record. */
  if (eocd >= 20 && rd32 (d + eocd - 20) == SIG_ZIP64_LOCATOR)
    {
      guint64 z_off = rd64 (d + eocd - 20 + 8);
      if (z_off > size || size - z_off < 56 || rd32 (d + z_off) != SIG_ZIP64_EOCD)
        return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                     "bad zip64 end-of-central-directory record (file truncated?)");
      const guint8 *z = d + z_off;
      *n_entries = rd64 (z + 32);
      *cd_size = rd64 (z + 40);
      *cd_offset = rd64 (z + 48);
    }
  else if (*cd_size == 0xffffffffu || *cd_offset == 0xffffffffu)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "zip64 archive without a zip64 locator (file truncated?)");

  if (*cd_offset > size || *cd_size > size - *cd_offset)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "central directory lies outside the file (truncated?)");
  return TRUE;
}

static gboolean
parse_directory (FlNpz *npz, GError **error)
{
  guint64 cd_offset = 0, cd_size = 0, n_entries = 0;
  if (!find_directory (npz, &cd_offset, &cd_size, &n_entries, error))
    return FALSE;

  const guint8 *p = npz->data + cd_offset;
  const guint8 *end = p + cd_size;
  npz->members = g_array_new (FALSE, TRUE, sizeof (Member));
  g_array_set_clear_func (npz->members, member_clear);
  npz->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, NULL);

  for (guint64 k = 0; k < n_entries; k++)
    {
      if (end - p < 46 || rd32 (p) != SIG_CENTRAL)
        return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                     "corrupt central directory at entry %" G_GUINT64_FORMAT, k);
      Member m = { 0 };
      m.flags = rd16 (p + 8);
      m.method = rd16 (p + 10);
      m.crc = rd32 (p + 16);
      m.csize = rd32 (p + 20);
      m.usize = rd32 (p + 24);
      guint16 name_len = rd16 (p + 28);
      guint16 extra_len = rd16 (p + 30);
      guint16 comment_len = rd16 (p + 32);
      m.local_offset = rd32 (p + 42);
      if (end - p < 46 + name_len + extra_len + comment_len)
        return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                     "corrupt central directory at entry %" G_GUINT64_FORMAT, k);
      m.member = g_strndup ((const char *) p + 46, name_len);

      /* Zip64 extended information: only the fields that overflowed. */
      const guint8 *x = p + 46 + name_len;
      const guint8 *xend = x + extra_len;
      while (xend - x >= 4)
        {
          guint16 id = rd16 (x), len = rd16 (x + 2);
          const guint8 *f = x + 4;
          if (f + len > xend)
            break;
          if (id == 0x0001)
            {
              const guint8 *fend = f + len;
              if (m.usize == 0xffffffffu && fend - f >= 8)
                m.usize = rd64 (f), f += 8;
              if (m.csize == 0xffffffffu && fend - f >= 8)
                m.csize = rd64 (f), f += 8;
              if (m.local_offset == 0xffffffffu && fend - f >= 8)
                m.local_offset = rd64 (f), f += 8;
            }
          x += 4 + len;
        }
      p += 46 + name_len + extra_len + comment_len;

      if (name_len == 0 || m.member[name_len - 1] == '/')
        {
          g_free (m.member);
          continue;   /* directory entry */
        }
      if (g_str_has_suffix (m.member, ".npy"))
        m.name = g_strndup (m.member, name_len - 4);
      else
        m.name = g_strdup (m.member);
      g_array_append_val (npz->members, m);
      Member *stored = &g_array_index (npz->members, Member, npz->members->len - 1);
      /* Keep the first of duplicated names. */
      if (!g_hash_table_contains (npz->by_name, stored->name))
        g_hash_table_insert (npz->by_name, stored->name,
                             GUINT_TO_POINTER (npz->members->len));
    }
  /* Names were borrowed from elements of a growing array: rebuild now that
   * it is stable. */
  g_hash_table_remove_all (npz->by_name);
  for (guint i = 0; i < npz->members->len; i++)
    {
      Member *m = &g_array_index (npz->members, Member, i);
      if (!g_hash_table_contains (npz->by_name, m->name))
        g_hash_table_insert (npz->by_name, m->name, GUINT_TO_POINTER (i + 1));
    }
  return TRUE;
}

FlNpz *
fl_npz_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr(FlNpz) npz = g_new0 (FlNpz, 1);
  npz->path = g_strdup (path);
  npz->basename = g_path_get_basename (path);

  GError *local = NULL;
  npz->map = g_mapped_file_new (path, FALSE, &local);
  if (npz->map == NULL)
    {
      const char *why = local->code == G_FILE_ERROR_NOENT ? "no such file"
                        : local->code == G_FILE_ERROR_ACCES ? "permission denied"
                        : local->code == G_FILE_ERROR_ISDIR ? "it is a directory"
                        : local->code == G_FILE_ERROR_INVAL ? "not a regular file"
                        : "read error";
      g_set_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_IO,
                   "cannot open %s: %s", path, why);
      g_error_free (local);
      return NULL;
    }
  npz->data = (const guint8 *) g_mapped_file_get_contents (npz->map);
  npz->size = g_mapped_file_get_length (npz->map);
  if (!parse_directory (npz, error))
    return NULL;
  return g_steal_pointer (&npz);
}

guint
fl_npz_n_members (FlNpz *npz)
{
  g_return_val_if_fail (npz != NULL, 0);
  return npz->members->len;
}

const char *
fl_npz_member_name (FlNpz *npz, guint i)
{
  g_return_val_if_fail (npz != NULL, NULL);
  if (i >= npz->members->len)
    return NULL;
  return g_array_index (npz->members, Member, i).name;
}

static Member *
find_member (FlNpz *npz, const char *name, GError **error)
{
  guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (npz->by_name, name));
  if (idx == 0)
    {
      fail (error, FL_NPZ_ERROR_MISSING, npz, "no array named '%s'", name);
      return NULL;
    }
  return &g_array_index (npz->members, Member, idx - 1);
}

gboolean
fl_npz_has (FlNpz *npz, const char *name)
{
  g_return_val_if_fail (npz != NULL && name != NULL, FALSE);
  return g_hash_table_contains (npz->by_name, name);
}

/* Compressed bytes of a member (inside the mapping). */
static const guint8 *
member_raw (FlNpz *npz, Member *m, GError **error)
{
  if (m->local_offset > npz->size || npz->size - m->local_offset < 30
      || rd32 (npz->data + m->local_offset) != SIG_LOCAL)
    {
      fail (error, FL_NPZ_ERROR_FORMAT, npz,
            "member '%s': bad local header (file truncated or corrupt)", m->member);
      return NULL;
    }
  const guint8 *h = npz->data + m->local_offset;
  guint64 start = m->local_offset + 30 + rd16 (h + 26) + rd16 (h + 28);
  if (start > npz->size || npz->size - start < m->csize)
    {
      fail (error, FL_NPZ_ERROR_FORMAT, npz,
            "member '%s': data extends past the end of the file (truncated)", m->member);
      return NULL;
    }
  if (m->flags & 1)
    {
      fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
            "member '%s' is encrypted", m->member);
      return NULL;
    }
  return npz->data + start;
}

/* Deflate expands at most 1032:1 (a 258-byte match per ~2 bits), so a
 * member declaring more than this times its compressed size lies. */
#define DEFLATE_MAX_RATIO 1032

/* Inflate raw deflate data: the first `want` bytes of the stream, in a
 * buffer that grows (doubling) as output actually arrives, so a declared
 * size never gets allocated up front. Fails when the stream ends early. */
static guint8 *
inflate_member (FlNpz *npz, Member *m, const guint8 *in, gsize in_len,
                gsize want, GError **error)
{
  if (m->usize / DEFLATE_MAX_RATIO > in_len)
    {
      fail (error, FL_NPZ_ERROR_FORMAT, npz,
            "member '%s': declares %" G_GUINT64_FORMAT " bytes from %" G_GSIZE_FORMAT
            " compressed bytes, more than deflate can produce (corrupt)",
            m->member, m->usize, in_len);
      return NULL;
    }
  g_autoptr(GZlibDecompressor) dec =
    g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  gsize cap = MIN (want, MAX ((gsize) 1 << 20, in_len * 4));
  g_autofree guint8 *out = g_try_malloc (cap > 0 ? cap : 1);
  gboolean oom = out == NULL;
  gsize in_off = 0, out_off = 0;
  while (!oom && out_off < want)
    {
      if (out_off == cap)
        {
          cap = cap > want / 2 ? want : cap * 2;
          guint8 *grown = g_try_realloc (out, cap);
          if (grown == NULL)
            {
              oom = TRUE;
              break;
            }
          out = grown;
        }
      gsize r = 0, w = 0;
      GError *local = NULL;
      GConverterResult res =
        g_converter_convert (G_CONVERTER (dec), in + in_off, in_len - in_off,
                             out + out_off, cap - out_off,
                             G_CONVERTER_INPUT_AT_END, &r, &w, &local);
      if (res == G_CONVERTER_ERROR)
        {
          fail (error, FL_NPZ_ERROR_FORMAT, npz,
                "member '%s': cannot inflate (%s)", m->member, local->message);
          g_error_free (local);
          return NULL;
        }
      in_off += r;
      out_off += w;
      if (res == G_CONVERTER_FINISHED || (r == 0 && w == 0))
        break;
    }
  if (oom)
    {
      fail (error, FL_NPZ_ERROR_IO, npz,
            "member '%s': out of memory for %" G_GSIZE_FORMAT " bytes", m->member, want);
      return NULL;
    }
  if (out_off < want)
    {
      fail (error, FL_NPZ_ERROR_FORMAT, npz,
            "member '%s': inflated %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes (truncated)",
            m->member, out_off, want);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* Bytes of the member, uncompressed: at most `limit` bytes (G_MAXSIZE =
 * whole member). *owned is set when the result must be g_free'd. The CRC is
 * checked when the whole member was read. */
static const guint8 *
member_bytes (FlNpz *npz, Member *m, gsize limit, gsize *len, guint8 **owned,
              GError **error)
{
  *owned = NULL;
  const guint8 *raw = member_raw (npz, m, error);
  if (raw == NULL)
    return NULL;
  gboolean whole = limit >= m->usize;
  gsize want = whole ? (gsize) m->usize : limit;
  const guint8 *result;
  if (m->method == METHOD_STORED)
    {
      if (m->csize != m->usize)
        {
          fail (error, FL_NPZ_ERROR_FORMAT, npz,
                "member '%s': stored sizes disagree", m->member);
          return NULL;
        }
      result = raw;
      *len = want;
    }
  else if (m->method == METHOD_DEFLATED)
    {
      guint8 *buf = inflate_member (npz, m, raw, m->csize, want, error);
      if (buf == NULL)
        return NULL;
      *owned = buf;
      result = buf;
      *len = want;
    }
  else
    {
      fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
            "member '%s': compression method %u is not supported (only stored and deflated)",
            m->member, m->method);
      return NULL;
    }
  if (whole && crc32_update (0, result, *len) != m->crc)
    {
      g_free (*owned);
      *owned = NULL;
      fail (error, FL_NPZ_ERROR_FORMAT, npz,
            "member '%s': CRC mismatch (file corrupt)", m->member);
      return NULL;
    }
  return result;
}

/* ---------------------------------------------------------------- .npy */

typedef struct {
  FlDtype dtype;
  int ndim;
  int64_t shape[FL_ARRAY_MAX_DIMS];
  gsize header_len;        /* bytes before the data */
  gsize item_size;         /* bytes per stored element (UCS4: 4) */
  int64_t numel;           /* elements in our representation */
} NpyHeader;

/* Value of key `key` in the header dict text; points just after the colon. */
static const char *
dict_value (const char *dict, const char *key)
{
  g_autofree char *k1 = g_strdup_printf ("'%s'", key);
  g_autofree char *k2 = g_strdup_printf ("\"%s\"", key);
  const char *p = strstr (dict, k1);
  if (p == NULL)
    p = strstr (dict, k2);
  if (p == NULL)
    return NULL;
  p += strlen (k1);
  while (*p == ' ')
    p++;
  if (*p != ':')
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  return p;
}

static gboolean
parse_descr (const char *descr, NpyHeader *h)
{
  static const struct { const char *d; FlDtype t; } table[] = {
    { "<f4", FL_DTYPE_F32 }, { "=f4", FL_DTYPE_F32 },
    { "<f2", FL_DTYPE_F16 }, { "=f2", FL_DTYPE_F16 },
    { "<f8", FL_DTYPE_F64 }, { "=f8", FL_DTYPE_F64 },
    { "<i4", FL_DTYPE_I32 }, { "=i4", FL_DTYPE_I32 },
    { "<i8", FL_DTYPE_I64 }, { "=i8", FL_DTYPE_I64 },
    { "|u1", FL_DTYPE_U8 }, { "<u1", FL_DTYPE_U8 },
    { "|b1", FL_DTYPE_BOOL },
    /* bfloat16 (ml_dtypes) is saved as a 2-byte void type. */
    { "<V2", FL_DTYPE_BF16 }, { "|V2", FL_DTYPE_BF16 },
    { "bfloat16", FL_DTYPE_BF16 }, { "<bfloat16", FL_DTYPE_BF16 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (descr, table[i].d) == 0)
      {
        h->dtype = table[i].t;
        h->item_size = fl_dtype_size (table[i].t);
        return TRUE;
      }
  if ((descr[0] == '<' || descr[0] == '=' || descr[0] == '|') && descr[1] == 'U'
      && g_ascii_isdigit (descr[2]))
    {
      guint64 n = g_ascii_strtoull (descr + 2, NULL, 10);
      if (n == 0 || n > 1 << 20)
        return FALSE;
      h->dtype = FL_DTYPE_UCS4;
      h->item_size = 4 * n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_npy_header (FlNpz *npz, Member *m, const guint8 *b, gsize len,
                  NpyHeader *h, GError **error)
{
  memset (h, 0, sizeof *h);
  if (len < 10 || memcmp (b, "\x93NUMPY", 6) != 0)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "member '%s' is not a .npy array (bad magic)", m->member);
  int major = b[6];
  gsize hlen, pre;
  if (major == 1)
    hlen = rd16 (b + 8), pre = 10;
  else if (major == 2 || major == 3)
    {
      if (len < 12)
        return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                     "member '%s': truncated .npy header", m->member);
      hlen = rd32 (b + 8), pre = 12;
    }
  else
    return fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
                 "member '%s': .npy format version %d is not supported", m->member, major);
  if (pre + hlen > len)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "member '%s': truncated .npy header", m->member);
  g_autofree char *dict = g_strndup ((const char *) b + pre, hlen);
  h->header_len = pre + hlen;

  const char *v = dict_value (dict, "descr");
  if (v == NULL || (*v != '\'' && *v != '"'))
    return fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
                 "member '%s': unsupported dtype description in header %s", m->member, dict);
  char quote = *v++;
  const char *ve = strchr (v, quote);
  if (ve == NULL)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz, "member '%s': bad .npy header", m->member);
  g_autofree char *descr = g_strndup (v, ve - v);
  if (!parse_descr (descr, h))
    return fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
                 "member '%s': dtype '%s' is not supported (little-endian f4 f2 f8 i4 i8 u1 b1, bfloat16)",
                 m->member, descr);

  v = dict_value (dict, "fortran_order");
  if (v == NULL)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "member '%s': .npy header lacks fortran_order", m->member);
  if (g_str_has_prefix (v, "True"))
    return fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
                 "member '%s': Fortran-ordered arrays are not supported (save it C-contiguous)",
                 m->member);

  v = dict_value (dict, "shape");
  if (v == NULL || *v != '(')
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "member '%s': .npy header lacks a shape", m->member);
  v++;
  h->ndim = 0;
  guint64 numel = 1;
  for (;;)
    {
      while (*v == ' ' || *v == ',')
        v++;
      if (*v == ')')
        break;
      if (!g_ascii_isdigit (*v))
        return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                     "member '%s': bad shape in .npy header", m->member);
      char *e;
      guint64 dim = g_ascii_strtoull (v, &e, 10);
      if (*e == 'L')
        e++;
      /* One slot is kept free for the text width of '<Un' arrays. */
      if (h->ndim >= FL_ARRAY_MAX_DIMS - 1)
        return fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
                     "member '%s': more than %d dimensions", m->member, FL_ARRAY_MAX_DIMS - 1);
      if (!g_uint64_checked_mul (&numel, numel, dim) || dim > G_MAXINT64)
        return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                     "member '%s': shape too large", m->member);
      h->shape[h->ndim++] = (int64_t) dim;
      v = e;
    }
  if (h->dtype == FL_DTYPE_UCS4)
    {
      gsize width = h->item_size / 4;
      h->shape[h->ndim++] = width;
      if (!g_uint64_checked_mul (&numel, numel, width))
        return fail (error, FL_NPZ_ERROR_FORMAT, npz, "member '%s': shape too large", m->member);
      h->item_size = 4;
    }
  guint64 bytes;
  if (!g_uint64_checked_mul (&bytes, numel, h->item_size))
    return fail (error, FL_NPZ_ERROR_FORMAT, npz, "member '%s': shape too large", m->member);
  if (m->usize < h->header_len || m->usize - h->header_len != bytes)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "member '%s': holds %" G_GUINT64_FORMAT " data bytes but its header says %"
                 G_GUINT64_FORMAT " (truncated or corrupt)",
                 m->member, m->usize >= h->header_len ? m->usize - h->header_len : 0, bytes);
  h->numel = (int64_t) numel;
  return TRUE;
}

/* Read just enough of a member to parse its header. */
static gboolean
read_header (FlNpz *npz, Member *m, NpyHeader *h, GError **error)
{
  gsize limit = 1 << 16;
  for (;;)
    {
      gsize len;
      g_autofree guint8 *owned = NULL;
      const guint8 *b = member_bytes (npz, m, MIN (limit, m->usize), &len, &owned, error);
      if (b == NULL)
        return FALSE;
      /* Header length is known after 12 bytes: widen the window if needed. */
      if (len >= 12 && memcmp (b, "\x93NUMPY", 6) == 0)
        {
          gsize need = b[6] == 1 ? 10 + rd16 (b + 8) : 12 + (gsize) rd32 (b + 8);
          if (need > len && need <= m->usize && limit < need)
            {
              limit = need;
              continue;
            }
        }
      return parse_npy_header (npz, m, b, len, h, error);
    }
}

gboolean
fl_npz_peek (FlNpz *npz, const char *name, FlDtype *dtype,
             int *ndim, int64_t shape[FL_ARRAY_MAX_DIMS], GError **error)
{
  g_return_val_if_fail (npz != NULL && name != NULL, FALSE);
  Member *m = find_member (npz, name, error);
  if (m == NULL)
    return FALSE;
  NpyHeader h;
  if (!read_header (npz, m, &h, error))
    return FALSE;
  if (dtype)
    *dtype = h.dtype;
  if (ndim)
    *ndim = h.ndim;
  if (shape)
    for (int d = 0; d < FL_ARRAY_MAX_DIMS; d++)
      shape[d] = d < h.ndim ? h.shape[d] : 0;
  return TRUE;
}

void
fl_array_free (FlArray *array)
{
  if (array == NULL)
    return;
  g_free (array->name);
  g_free (array->data);
  g_free (array);
}

/* Whole member: header parsed, pointer to data. */
static const guint8 *
read_member (FlNpz *npz, const char *name, NpyHeader *h, guint8 **owned,
             GError **error)
{
  Member *m = find_member (npz, name, error);
  if (m == NULL)
    return NULL;
  gsize len;
  const guint8 *b = member_bytes (npz, m, G_MAXSIZE, &len, owned, error);
  if (b == NULL)
    return NULL;
  if (!parse_npy_header (npz, m, b, len, h, error))
    {
      g_clear_pointer (owned, g_free);
      return NULL;
    }
  return b + h->header_len;
}

FlArray *
fl_npz_read (FlNpz *npz, const char *name, GError **error)
{
  g_return_val_if_fail (npz != NULL && name != NULL, NULL);
  NpyHeader h;
  g_autofree guint8 *owned = NULL;
  const guint8 *data = read_member (npz, name, &h, &owned, error);
  if (data == NULL)
    return NULL;
  gsize bytes = (gsize) h.numel * h.item_size;
  void *copy = g_try_malloc (bytes > 0 ? bytes : 1);
  if (copy == NULL)
    {
      fail (error, FL_NPZ_ERROR_IO, npz, "array '%s': out of memory for %" G_GSIZE_FORMAT " bytes",
            name, bytes);
      return NULL;
    }
  memcpy (copy, data, bytes);
  FlArray *a = g_new0 (FlArray, 1);
  a->name = g_strdup (name);
  a->dtype = h.dtype;
  a->ndim = h.ndim;
  memcpy (a->shape, h.shape, sizeof h.shape);
  a->data = copy;
  return a;
}

gboolean
fl_npz_read_f32_into (FlNpz *npz, const char *name, float *dst,
                      int64_t numel, GError **error)
{
  g_return_val_if_fail (npz != NULL && name != NULL, FALSE);
  NpyHeader h;
  g_autofree guint8 *owned = NULL;
  const guint8 *data = read_member (npz, name, &h, &owned, error);
  if (data == NULL)
    return FALSE;
  if (h.numel != numel)
    return fail (error, FL_NPZ_ERROR_FORMAT, npz,
                 "array '%s' has %" G_GINT64_FORMAT " elements, expected %" G_GINT64_FORMAT,
                 name, h.numel, numel);
  if (h.dtype == FL_DTYPE_UCS4)
    return fail (error, FL_NPZ_ERROR_UNSUPPORTED, npz,
                 "array '%s' holds text, not numbers", name);
  if (h.dtype == FL_DTYPE_F32)
    {
      memcpy (dst, data, (gsize) numel * 4);
      return TRUE;
    }
  FlArray view = { (char *) name, h.dtype, h.ndim, { 0 }, (void *) data };
  memcpy (view.shape, h.shape, sizeof h.shape);
  g_autofree float *conv = fl_array_to_f32 (&view);
  memcpy (dst, conv, (gsize) numel * 4);
  return TRUE;
}

FlArrays *
fl_npz_load (const char *path, GError **error)
{
  g_autoptr(FlNpz) npz = fl_npz_open (path, error);
  if (npz == NULL)
    return NULL;
  g_autoptr(FlArrays) arrays = fl_arrays_new ();
  for (guint i = 0; i < npz->members->len; i++)
    {
      const char *name = g_array_index (npz->members, Member, i).name;
      if (fl_arrays_lookup (arrays, name) != NULL)
        continue;
      FlArray *a = fl_npz_read (npz, name, error);
      if (a == NULL)
        return NULL;
      fl_arrays_take (arrays, name, a->dtype, a->ndim, a->shape, a->data);
      a->data = NULL;
      fl_array_free (a);
    }
  return g_steal_pointer (&arrays);
}

/* ------------------------------------------------------------------ writer */

static const char *
npy_descr (const FlArray *a, char *buf, gsize n)
{
  switch (a->dtype)
    {
    case FL_DTYPE_F32: return "<f4";
    case FL_DTYPE_F64: return "<f8";
    case FL_DTYPE_F16: return "<f2";
    case FL_DTYPE_BF16: return "<V2";
    case FL_DTYPE_I32: return "<i4";
    case FL_DTYPE_I64: return "<i8";
    case FL_DTYPE_U8: return "|u1";
    case FL_DTYPE_BOOL: return "|b1";
    case FL_DTYPE_UCS4:
      g_snprintf (buf, n, "<U%" G_GINT64_FORMAT,
                  a->ndim > 0 ? a->shape[a->ndim - 1] : (int64_t) 1);
      return buf;
    default: return NULL;
    }
}

/* The .npy header (magic, version, padded dict) for an array. */
static GByteArray *
npy_header (const FlArray *a)
{
  char dbuf[32];
  const char *descr = npy_descr (a, dbuf, sizeof dbuf);
  int ndim = a->ndim;
  if (a->dtype == FL_DTYPE_UCS4 && ndim > 0)
    ndim--;   /* the last dimension is the text width */
  GString *dict = g_string_new (NULL);
  g_string_append_printf (dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int d = 0; d < ndim; d++)
    g_string_append_printf (dict, "%" G_GINT64_FORMAT "%s", a->shape[d],
                            (ndim == 1 || d < ndim - 1) ? ", " : "");
  if (ndim == 1)
    g_string_truncate (dict, dict->len - 1);   /* "(5," */
  g_string_append (dict, "), }");
  /* Pad with spaces so that data starts at a multiple of 64, end with \n. */
  gsize pre = 10;
  gsize total = pre + dict->len + 1;
  if (total > 65535 + 10)
    pre = 12, total = pre + dict->len + 1;
  gsize padded = (total + 63) / 64 * 64;
  while (pre + dict->len + 1 < padded)
    g_string_append_c (dict, ' ');
  g_string_append_c (dict, '\n');

  GByteArray *out = g_byte_array_new ();
  guint8 magic[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', pre == 10 ? 1 : 2, 0 };
  if (pre == 10)
    {
      magic[8] = dict->len & 0xff;
      magic[9] = (dict->len >> 8) & 0xff;
    }
  else
    for (int k = 0; k < 4; k++)
      magic[8 + k] = (dict->len >> (8 * k)) & 0xff;
  g_byte_array_append (out, magic, pre);
  g_byte_array_append (out, (const guint8 *) dict->str, dict->len);
  g_string_free (dict, TRUE);
  return out;
}

typedef struct {
  char *member;
  guint32 crc;
  guint64 size;
  guint64 offset;
} Written;

static void
wr16 (GByteArray *b, guint16 v)
{
  guint8 x[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (b, x, 2);
}

static void
wr32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (b, x, 4);
}

static void
wr64 (GByteArray *b, guint64 v)
{
  wr32 (b, (guint32) v);
  wr32 (b, (guint32) (v >> 32));
}

static gboolean
write_all (FILE *f, const void *p, gsize n, const char *path, GError **error)
{
  if (n > 0 && fwrite (p, 1, n, f) != n)
    {
      int e = errno;
      g_set_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_IO, "cannot write %s: %s",
                   path, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

/* Fixed DOS date/time (1980-01-01 00:00) so output is reproducible. */
#define DOS_TIME 0
#define DOS_DATE ((0 << 9) | (1 << 5) | 1)

gboolean
fl_npz_save (FlArrays *arrays, const char *path, GError **error)
{
  g_return_val_if_fail (arrays != NULL && path != NULL, FALSE);
  guint n = fl_arrays_size (arrays);
  for (guint i = 0; i < n; i++)
    {
      FlArray *a = fl_arrays_index (arrays, i);
      char dbuf[32];
      if (npy_descr (a, dbuf, sizeof dbuf) == NULL
          || (a->dtype == FL_DTYPE_UCS4 && a->ndim == 0))
        {
          g_set_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_UNSUPPORTED,
                       "%s: array '%s' has a dtype that cannot be saved", path, a->name);
          return FALSE;
        }
    }

  g_autofree char *tmp = g_strdup_printf ("%s.tmp-%d", path, (int) getpid ());
  FILE *f = g_fopen (tmp, "wb");
  if (f == NULL)
    {
      int e = errno;
      g_set_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_IO, "cannot create %s: %s",
                   path, g_strerror (e));
      return FALSE;
    }

  GArray *written = g_array_new (FALSE, TRUE, sizeof (Written));
  guint64 offset = 0;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < n; i++)
    {
      FlArray *a = fl_arrays_index (arrays, i);
      g_autoptr(GByteArray) hdr = npy_header (a);
      guint64 data_bytes = (guint64) fl_array_numel (a) * fl_dtype_size (a->dtype);
      Written w = { 0 };
      w.member = g_strconcat (a->name, ".npy", NULL);
      w.size = hdr->len + data_bytes;
      w.offset = offset;
      w.crc = crc32_update (crc32_update (0, hdr->data, hdr->len), a->data, data_bytes);
      gboolean z64 = w.size >= 0xffffffffu;

      g_autoptr(GByteArray) lh = g_byte_array_new ();
      gsize name_len = strlen (w.member);
      wr32 (lh, SIG_LOCAL);
      wr16 (lh, z64 ? 45 : 20);
      wr16 (lh, 0);               /* flags */
      wr16 (lh, METHOD_STORED);
      wr16 (lh, DOS_TIME);
      wr16 (lh, DOS_DATE);
      wr32 (lh, w.crc);
      wr32 (lh, z64 ? 0xffffffffu : (guint32) w.size);
      wr32 (lh, z64 ? 0xffffffffu : (guint32) w.size);
      wr16 (lh, name_len);
      wr16 (lh, z64 ? 20 : 0);
      g_byte_array_append (lh, (const guint8 *) w.member, name_len);
      if (z64)
        {
          wr16 (lh, 0x0001);
          wr16 (lh, 16);
          wr64 (lh, w.size);
          wr64 (lh, w.size);
        }
      ok = write_all (f, lh->data, lh->len, path, error)
           && write_all (f, hdr->data, hdr->len, path, error)
           && write_all (f, a->data, data_bytes, path, error);
      offset += lh->len + w.size;
      g_array_append_val (written, w);
    }

  if (ok)
    {
      g_autoptr(GByteArray) cd = g_byte_array_new ();
      for (guint i = 0; i < written->len; i++)
        {
          Written *w = &g_array_index (written, Written, i);
          gboolean big_size = w->size >= 0xffffffffu;
          gboolean big_off = w->offset >= 0xffffffffu;
          guint16 xlen = (big_size ? 16 : 0) + (big_off ? 8 : 0);
          gsize name_len = strlen (w->member);
          wr32 (cd, SIG_CENTRAL);
          wr16 (cd, 45);                       /* made by */
          wr16 (cd, xlen ? 45 : 20);           /* needed */
          wr16 (cd, 0);
          wr16 (cd, METHOD_STORED);
          wr16 (cd, DOS_TIME);
          wr16 (cd, DOS_DATE);
          wr32 (cd, w->crc);
          wr32 (cd, big_size ? 0xffffffffu : (guint32) w->size);
          wr32 (cd, big_size ? 0xffffffffu : (guint32) w->size);
          wr16 (cd, name_len);
          wr16 (cd, xlen ? xlen + 4 : 0);
          wr16 (cd, 0);                        /* comment */
          wr16 (cd, 0);                        /* disk */
          wr16 (cd, 0);                        /* internal attributes */
          wr32 (cd, 0644u << 16);              /* external attributes */
          wr32 (cd, big_off ? 0xffffffffu : (guint32) w->offset);
          g_byte_array_append (cd, (const guint8 *) w->member, name_len);
          if (xlen)
            {
              wr16 (cd, 0x0001);
              wr16 (cd, xlen);
              if (big_size)
                {
                  wr64 (cd, w->size);
                  wr64 (cd, w->size);
                }
              if (big_off)
                wr64 (cd, w->offset);
            }
        }
      guint64 cd_offset = offset, cd_size = cd->len;
      guint64 n_entries = written->len;
      gboolean z64 = n_entries >= 0xffff || cd_offset >= 0xffffffffu
                     || cd_size >= 0xffffffffu;
      if (z64)
        {
          guint64 z_off = cd_offset + cd_size;
          wr32 (cd, SIG_ZIP64_EOCD);
          wr64 (cd, 44);
          wr16 (cd, 45);
          wr16 (cd, 45);
          wr32 (cd, 0);
          wr32 (cd, 0);
          wr64 (cd, n_entries);
          wr64 (cd, n_entries);
          wr64 (cd, cd_size);
          wr64 (cd, cd_offset);
          wr32 (cd, SIG_ZIP64_LOCATOR);
          wr32 (cd, 0);
          wr64 (cd, z_off);
          wr32 (cd, 1);
        }
      wr32 (cd, SIG_EOCD);
      wr16 (cd, 0);
      wr16 (cd, 0);
      wr16 (cd, z64 ? 0xffff : (guint16) n_entries);
      wr16 (cd, z64 ? 0xffff : (guint16) n_entries);
      wr32 (cd, z64 ? 0xffffffffu : (guint32) cd_size);
      wr32 (cd, z64 ? 0xffffffffu : (guint32) cd_offset);
      wr16 (cd, 0);
      ok = write_all (f, cd->data, cd->len, path, error);
    }

  for (guint i = 0; i < written->len; i++)
    g_free (g_array_index (written, Written, i).member);
  g_array_unref (written);

  if (fclose (f) != 0 && ok)
    {
      int e = errno;
      g_set_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_IO, "cannot write %s: %s",
                   path, g_strerror (e));
      ok = FALSE;
    }
  if (ok && g_rename (tmp, path) != 0)
    {
      int e = errno;
      g_set_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_IO, "cannot write %s: %s",
                   path, g_strerror (e));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  return ok;
}
