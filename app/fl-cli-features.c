/* foldlight-cli features: an alignment (A3M / FASTA, optionally with a
 * Stockholm alignment of the same query) -> AlphaFold's processed features
 * as .npz, in the golden key names; with template options, the template_*
 * features too. */
#include <stdio.h>
#include <string.h>
#include "fl-cli.h"
#include "fl-error.h"
#include "fl-features.h"
#include "fl-msa.h"

/* Whole file, or an error naming it in plain words. */
static char *
read_input (const char *path, gsize *len, GError **error)
{
  char *text = NULL;
  GError *local = NULL;
  if (g_file_get_contents (path, &text, len, &local))
    return text;
  const char *why = local->code == G_FILE_ERROR_NOENT ? "no such file"
                    : local->code == G_FILE_ERROR_ACCES ? "permission denied"
                    : local->code == G_FILE_ERROR_ISDIR ? "it is a directory"
                    : "read error";
  g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
               "cannot read %s: %s", path, why);
  g_error_free (local);
  return NULL;
}

int
fl_cli_features_main (int argc, char **argv)
{
  g_autofree char *a3m = NULL, *fasta = NULL, *stockholm = NULL, *out = NULL;
  g_autofree char *seed_text = NULL;
  g_auto (GStrv) template_files = NULL;
  g_autofree char *template_alignment = NULL, *template_dir = NULL;
  int max_clusters = 0, max_extra = 0, max_templates = 4;
  gboolean deterministic = FALSE;
  double mask_fraction = -1.0;
  FlFeatureOptions opts;
  fl_feature_options_init (&opts);

  GOptionEntry entries[] = {
    { "a3m", 0, 0, G_OPTION_ARG_FILENAME, &a3m, "Alignment in A3M format (query first)", "A3M" },
    { "fasta", 0, 0, G_OPTION_ARG_FILENAME, &fasta, "Single sequence in FASTA format", "FASTA" },
    { "stockholm", 0, 0, G_OPTION_ARG_FILENAME, &stockholm,
      "Alignment in Stockholm format (alone, or added to --a3m/--fasta)", "STO" },
    { "max-msa-clusters", 0, 0, G_OPTION_ARG_INT, &max_clusters,
      "Cluster rows, padded to this (default 512)", "N" },
    { "max-extra-msa", 0, 0, G_OPTION_ARG_INT, &max_extra,
      "Extra rows, padded to this (default 5120)", "M" },
    { "deterministic", 0, 0, G_OPTION_ARG_NONE, &deterministic,
      "Rows in file order and no masking (the golden pipeline)", NULL },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of the random MSA sampling and masking (default 0)", "S" },
    { "masked-msa-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &mask_fraction,
      "Fraction of cluster positions BERT-masked in random mode (default 0.15)", "F" },
    { "template", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &template_files,
      "Template structure (PDB or mmCIF), chain after ':' (default the first); aligned to the "
      "query globally; repeat for more", "FILE[:CHAIN]" },
    { "template-alignment", 0, 0, G_OPTION_ARG_FILENAME, &template_alignment,
      "Query-template alignment (the format of golden tmpl's template_alignment.tsv)", "FILE" },
    { "template-dir", 0, 0, G_OPTION_ARG_FILENAME, &template_dir,
      "Folder of templates: alone, every template in it (as for predict); with --template / "
      "--template-alignment, where their files are looked up", "DIR" },
    { "max-templates", 0, 0, G_OPTION_ARG_INT, &max_templates,
      "Template slots, padded to this (default 4, AlphaFold's max_templates)", "T" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output features .npz", "FEATURES.npz" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- build model input features");
  g_option_context_set_summary (ctx,
    "Builds AlphaFold's processed features (target_feat, msa_feat, extra_msa, masks,\n"
    "atom maps) from an alignment and writes them as .npz with the golden key names.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_help_enabled (ctx, TRUE);

  GError *error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);
      g_clear_error (&error);
      return fl_cli_usage_error (ctx, msg);
    }
  if (argc > 1)
    {
      g_autofree char *msg = g_strdup_printf ("unexpected argument '%s'", argv[1]);
      return fl_cli_usage_error (ctx, msg);
    }
  if (a3m != NULL && fasta != NULL)
    return fl_cli_usage_error (ctx, "give either --a3m or --fasta, not both");
  if (a3m == NULL && fasta == NULL && stockholm == NULL)
    return fl_cli_usage_error (ctx, "an input is required: --a3m, --fasta or --stockholm");
  if (out == NULL)
    return fl_cli_usage_error (ctx, "--out FEATURES.npz is required");
  if (max_clusters < 0 || max_extra < 0)
    return fl_cli_usage_error (ctx, "--max-msa-clusters and --max-extra-msa must be positive");
  if (max_templates < 1)
    return fl_cli_usage_error (ctx, "--max-templates must be at least 1");
  if (max_clusters > 0)
    opts.max_msa_clusters = max_clusters;
  if (max_extra > 0)
    opts.max_extra_msa = max_extra;
  if (seed_text != NULL)
    {
      char *end = NULL;
      guint64 seed = g_ascii_strtoull (seed_text, &end, 10);
      if (end == seed_text || *end != '\0')
        return fl_cli_usage_error (ctx, "--seed must be a non-negative integer");
      opts.seed = seed;
    }
  if (mask_fraction != -1.0)
    {
      if (mask_fraction < 0.0 || mask_fraction > 1.0)
        return fl_cli_usage_error (ctx, "--masked-msa-fraction must be between 0 and 1");
      opts.masked_msa_fraction = (float) mask_fraction;
    }
  opts.deterministic = deterministic;

  /* Read the alignment(s). */
  g_autoptr(FlMsa) msa = NULL;
  if (a3m != NULL || fasta != NULL)
    {
      const char *path = a3m ? a3m : fasta;
      gsize len = 0;
      g_autofree char *text = read_input (path, &len, &error);
      if (text == NULL)
        return fl_cli_fail (error);
      msa = a3m ? fl_msa_parse_a3m (text, len, &error) : fl_msa_parse_fasta (text, len, &error);
      if (msa == NULL)
        {
          g_prefix_error (&error, "%s: ", path);
          return fl_cli_fail (error);
        }
    }
  if (stockholm != NULL)
    {
      gsize len = 0;
      g_autofree char *text = read_input (stockholm, &len, &error);
      if (text == NULL)
        return fl_cli_fail (error);
      g_autoptr(FlMsa) sto = fl_msa_parse_stockholm (text, len, &error);
      if (sto == NULL)
        {
          g_prefix_error (&error, "%s: ", stockholm);
          return fl_cli_fail (error);
        }
      if (msa == NULL)
        msa = g_steal_pointer (&sto);
      else
        {
          FlMsa *merged = fl_msa_merge (msa, sto, &error);
          if (merged == NULL)
            return fl_cli_fail (error);
          fl_msa_free (msa);
          msa = merged;
        }
    }

  g_autoptr(FlFeatures) f = fl_features_build (msa, &opts, &error);
  if (f == NULL)
    return fl_cli_fail (error);
  if (template_alignment || (template_files && template_files[0]) || template_dir)
    {
      f->templates = fl_cli_load_templates (f->sequence, (const char *const *) template_files,
                                            template_alignment, template_dir, max_templates,
                                            &error);
      if (error != NULL)
        return fl_cli_fail (error);
      if (f->templates == NULL)
        g_printerr ("foldlight-cli: %s holds no templates\n", template_dir);
    }
  if (!fl_features_save_npz (f, out, &error))
    return fl_cli_fail (error);
  printf ("%s: %d residues, %d alignment rows (%d in the input), "
          "%d/%d cluster rows, %d/%d extra rows, %d/%d templates, %s\n",
          out, f->L, msa->n_rows, msa->n_rows_in_file, f->n_clust_real, f->n_clust,
          f->n_extra_real, f->n_extra, f->templates ? f->templates->n_real : 0,
          f->templates ? f->templates->T : 0, opts.deterministic ? "deterministic" : "random sampling");
  return 0;
}
