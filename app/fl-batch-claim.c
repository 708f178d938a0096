/* Claims on batch inputs through flock (fl-batch-claim.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "fl-batch-claim.h"

struct _FlBatchClaim {
  int fd;
  char *path;
};

char *
fl_batch_state_dir (const char *out_dir, GError **error)
{
  g_autofree char *dir = g_build_filename (out_dir, ".foldlight-batch", NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

FlBatchClaim *
fl_batch_claim (const char *state_dir, const char *id, gboolean wait, GError **error)
{
  g_autofree char *name = g_strconcat (id, ".lock", NULL);
  g_autofree char *path = g_build_filename (state_dir, name, NULL);
  for (;;)
    {
      int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                       "Cannot open %s: %s", path, g_strerror (errno));
          return NULL;
        }
      int rc;
      do
        rc = flock (fd, LOCK_EX | (wait ? 0 : LOCK_NB));
      while (rc != 0 && errno == EINTR);
      if (rc != 0)
        {
          int err = errno;
          close (fd);
          if (err == EWOULDBLOCK)
            return NULL;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                       "Cannot lock %s: %s", path, g_strerror (err));
          return NULL;
        }
      /* The holder before us removes the file when it lets go: a lock on a
       * file no longer at `path` guards nothing, so open the new one. */
      struct stat held, now;
      if (fstat (fd, &held) == 0 && stat (path, &now) == 0
          && held.st_ino == now.st_ino && held.st_dev == now.st_dev)
        {
          FlBatchClaim *c = g_new0 (FlBatchClaim, 1);
          c->fd = fd;
          c->path = g_steal_pointer (&path);
          return c;
        }
      close (fd);
    }
}

void
fl_batch_claim_release (FlBatchClaim *c)
{
  if (!c)
    return;
  g_unlink (c->path);
  close (c->fd);
  g_free (c->path);
  g_free (c);
}

gboolean
fl_batch_is_done (const char *out_dir, const char *id)
{
  g_autofree char *name = g_strconcat (id, ".done.txt", NULL);
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}
