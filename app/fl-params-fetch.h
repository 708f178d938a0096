/* Downloading and unpacking DeepMind's official AlphaFold parameters.
 *
 * The tarball: alphafold_params_2022-12-06.tar, published by DeepMind at
 * https://storage.googleapis.com/alphafold/ (the SOURCE_URL of AlphaFold's
 * scripts/download_alphafold_params.sh since v2.3), licensed CC BY 4.0. It
 * is an uncompressed tar of 15 .npz files (5 monomer, 5 pTM, 5 multimer) and
 * a LICENSE. AlphaFold's README gives its size as about 5.3 GB (the 3.5 GB
 * often quoted fits the older 10-model tarballs); the exact size is the
 * server's Content-Length. DeepMind publishes no checksum for it, so the download is
 * checked against Content-Length, against a SHA-256 the caller gives (when
 * one is given), and every unpacked .npz is opened; the SHA-256 measured is
 * recorded in SOURCE.json next to the files.
 *
 * Steps: a HEAD request for the size; GET with "Range: bytes=N-" to resume
 * NAME.part (a server that ignores the range restarts it); size and
 * checksum check (a mismatch removes the part file); unpack the flat tar
 * (entries with a path are refused); open every params_*.npz; write
 * SOURCE.json; delete the tarball. Synchronous: run it in a thread. */
#pragma once
#include <gio/gio.h>

G_BEGIN_DECLS

#define FL_PARAMS_TARBALL_NAME "alphafold_params_2022-12-06.tar"
#define FL_PARAMS_TARBALL_URL "https://storage.googleapis.com/alphafold/" FL_PARAMS_TARBALL_NAME
#define FL_PARAMS_TARBALL_SIZE_TEXT "about 5.3 GB"
#define FL_PARAMS_TARBALL_LICENCE "CC BY 4.0 (creativecommons.org/licenses/by/4.0)"
#define FL_PARAMS_TARBALL_PUBLISHER "DeepMind (google-deepmind/alphafold on GitHub)"

#define FL_PARAMS_FETCH_ERROR (fl_params_fetch_error_quark ())
GQuark fl_params_fetch_error_quark (void);

typedef enum {
  FL_PARAMS_FETCH_ERROR_UNAVAILABLE, /* built without libcurl */
  FL_PARAMS_FETCH_ERROR_NETWORK,     /* connection, HTTP status, short transfer */
  FL_PARAMS_FETCH_ERROR_CHECKSUM,    /* size or SHA-256 differs */
  FL_PARAMS_FETCH_ERROR_ARCHIVE,     /* not a tar we accept, or a bad .npz inside */
  FL_PARAMS_FETCH_ERROR_IO,          /* disk */
} FlParamsFetchError;

typedef enum {
  FL_PARAMS_FETCH_DOWNLOADING,
  FL_PARAMS_FETCH_VERIFYING,
  FL_PARAMS_FETCH_UNPACKING,
} FlParamsFetchStage;

/* Called from the fetching thread; total is -1 when unknown. */
typedef void (*FlParamsFetchProgress) (FlParamsFetchStage stage, gint64 done, gint64 total,
                                       gpointer user_data);

typedef struct {
  const char *url;           /* NULL: FL_PARAMS_TARBALL_URL */
  const char *dir;           /* NULL: fl_params_fetch_default_dir () */
  const char *sha256;        /* expected, hex; NULL: none (Content-Length only) */
  FlParamsFetchProgress progress;
  gpointer user_data;
  GCancellable *cancellable; /* cancel: the part file stays for a resume */
} FlParamsFetchOptions;

/* ~/.local/share/foldlight/params (the XDG user data folder). */
char *fl_params_fetch_default_dir (void);

/* Download, verify and unpack. Returns the SHA-256 of the tarball (hex) or
 * NULL with error set. */
char *fl_params_fetch (const FlParamsFetchOptions *options, GError **error);

/* Unpack a flat tar of parameter files into dir and check every .npz
 * (also used for a tarball the user already has). */
gboolean fl_params_fetch_unpack (const char *tar_path, const char *dir,
                                 FlParamsFetchProgress progress, gpointer user_data,
                                 GCancellable *cancellable, GError **error);

/* A parameter file is an .npz whose arrays carry the official AlphaFold
 * names; one clear sentence otherwise. */
gboolean fl_params_fetch_check_npz (const char *path, GError **error);

/* The installed params_model_1_ptm.npz (else the first params_model_*.npz)
 * in dir (NULL: the default dir), or NULL. */
char *fl_params_fetch_find_installed (const char *dir);

G_END_DECLS
