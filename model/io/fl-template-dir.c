/* A folder of templates (fl-templates.h, fl_template_dir_read): what
 * `foldlight-cli predict --template-dir DIR` uses when given alone, and what
 * `batch --template-dir DIR` reads in DIR/<input id>/. */
#include "fl-templates.h"
#include "fl-error.h"

#include <string.h>

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
is_structure_file (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  return g_str_has_suffix (lower, ".pdb") || g_str_has_suffix (lower, ".ent")
         || g_str_has_suffix (lower, ".cif") || g_str_has_suffix (lower, ".mmcif");
}

/* "1gcn_A.pdb" -> "1gcn_A.pdb:A": a stem ending in '_' and one letter names
 * the chain (the hit names of PDB70); any other name takes the first chain. */
static char *
spec_of_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  const char *dot = strrchr (name, '.');
  gsize stem = dot ? (gsize) (dot - name) : strlen (name);
  if (stem >= 3 && name[stem - 2] == '_' && g_ascii_isalpha (name[stem - 1]))
    return g_strdup_printf ("%s:%c", path, name[stem - 1]);
  return g_steal_pointer (&path);
}

/* DIR/templates.txt: one FILE[:CHAIN] per line (relative to DIR), '#'
 * comments and blank lines skipped. */
static gboolean
read_list (const char *dir, const char *list, GPtrArray *specs, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (list, &text, NULL, error))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (!*line || *line == '#')
        continue;
      if (strpbrk (line, " \t"))
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                       "%s:%d: expected one FILE[:CHAIN] per line, not '%s'", list, i + 1, line);
          return FALSE;
        }
      g_ptr_array_add (specs, g_path_is_absolute (line) ? g_strdup (line)
                                                        : g_build_filename (dir, line, NULL));
    }
  return TRUE;
}

gboolean
fl_template_dir_read (const char *dir, char **alignment_file, char ***templates, GError **error)
{
  *alignment_file = NULL;
  *templates = NULL;
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "The template folder %s does not exist", dir);
      return FALSE;
    }
  g_autofree char *alignment = g_build_filename (dir, FL_TEMPLATE_DIR_ALIGNMENT, NULL);
  g_autofree char *list = g_build_filename (dir, FL_TEMPLATE_DIR_LIST, NULL);
  gboolean have_alignment = g_file_test (alignment, G_FILE_TEST_IS_REGULAR);
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func (g_free);
  if (g_file_test (list, G_FILE_TEST_EXISTS))
    {
      if (!read_list (dir, list, specs, error))
        return FALSE;
    }
  else if (!have_alignment)
    {
      /* Every structure file, in name order (the order is the template order). */
      g_autoptr (GDir) d = g_dir_open (dir, 0, error);
      if (!d)
        return FALSE;
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (d)))
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          if (is_structure_file (name) && g_file_test (path, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add (names, g_strdup (name));
        }
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        g_ptr_array_add (specs, spec_of_file (dir, g_ptr_array_index (names, i)));
    }
  g_ptr_array_add (specs, NULL);
  *templates = (char **) g_ptr_array_free (g_steal_pointer (&specs), FALSE);
  if (have_alignment)
    *alignment_file = g_steal_pointer (&alignment);
  return TRUE;
}
