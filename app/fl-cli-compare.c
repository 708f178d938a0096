/* foldlight-cli compare: accuracy of a model against a reference structure
 * (Cα-RMSD, TM-score, lDDT-Cα, GDT_TS; definitions in model/fl-compare.h). */
#include <stdio.h>
#include <json-glib/json-glib.h>
#include "fl-cli.h"
#include "fl-compare.h"
#include "fl-structure-io.h"

int
fl_cli_compare_main (int argc, char **argv)
{
  gboolean as_json = FALSE;
  g_autofree char *model_chain = NULL, *reference_chain = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print one JSON object", NULL },
    { "model-chain", 0, 0, G_OPTION_ARG_STRING, &model_chain,
      "Chain of MODEL (default: the first protein chain)", "ID" },
    { "reference-chain", 0, 0, G_OPTION_ARG_STRING, &reference_chain,
      "Chain of REFERENCE (default: the first protein chain)", "ID" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("MODEL REFERENCE - compare structures");
  g_option_context_set_summary (ctx,
    "Compares the first model of MODEL (PDB or mmCIF) with REFERENCE, the\n"
    "experimental structure: residues paired by a global sequence alignment,\n"
    "then Cα-RMSD (Å, after superposition), TM-score (d0 and normalisation from\n"
    "the reference length), lDDT-Cα (15 Å radius, 0.5/1/2/4 Å) and GDT_TS (0..1).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  GError *error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);
      g_clear_error (&error);
      return fl_cli_usage_error (ctx, msg);
    }
  if (argc != 3)
    return fl_cli_usage_error (ctx, "give exactly two files: MODEL REFERENCE");

  g_autoptr (FlStructure) model = fl_structure_read (argv[1], model_chain, &error);
  if (!model)
    return fl_cli_fail (error);
  g_autoptr (FlStructure) reference = fl_structure_read (argv[2], reference_chain, &error);
  if (!reference)
    return fl_cli_fail (error);
  g_autoptr (FlCompareReference) ref = fl_compare_reference_new (reference, model->sequence,
                                                                 &error);
  if (!ref)
    return fl_cli_fail (error);
  FlCompareScores s;
  if (!fl_compare_frame (ref, model->atom37, model->atom37_mask, &s, &error))
    return fl_cli_fail (error);

  if (as_json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, argv[1]);
      json_builder_set_member_name (b, "reference");
      json_builder_add_string_value (b, argv[2]);
      json_builder_set_member_name (b, "model_length");
      json_builder_add_int_value (b, model->L);
      json_builder_set_member_name (b, "reference_length");
      json_builder_add_int_value (b, s.reference_length);
      json_builder_set_member_name (b, "aligned_residues");
      json_builder_add_int_value (b, s.aligned_residues);
      json_builder_set_member_name (b, "identical_residues");
      json_builder_add_int_value (b, s.identical_residues);
      json_builder_set_member_name (b, "rmsd_ca");
      json_builder_add_double_value (b, s.rmsd_ca);
      json_builder_set_member_name (b, "tm_score");
      json_builder_add_double_value (b, s.tm_score);
      json_builder_set_member_name (b, "lddt_ca");
      json_builder_add_double_value (b, s.lddt_ca);
      json_builder_set_member_name (b, "gdt_ts");
      json_builder_add_double_value (b, s.gdt_ts);
      /* the superposition behind tm_score, so that it can be checked */
      json_builder_set_member_name (b, "tm_rotation");
      json_builder_begin_array (b);
      for (int k = 0; k < 9; k++)
        json_builder_add_double_value (b, s.tm_R[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "tm_translation");
      json_builder_begin_array (b);
      for (int k = 0; k < 3; k++)
        json_builder_add_double_value (b, s.tm_t[k]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      g_autofree char *text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
      return 0;
    }
  printf ("Model:             %s (%d residues, chain %s)\n", argv[1], model->L, model->chain_id);
  printf ("Reference:         %s (%d residues with Cα, chain %s)\n", argv[2],
          s.reference_length, reference->chain_id);
  printf ("Aligned residues:  %d (%d identical)\n", s.aligned_residues, s.identical_residues);
  printf ("Cα-RMSD:           %.3f Å\n", s.rmsd_ca);
  printf ("TM-score:          %.4f\n", s.tm_score);
  printf ("lDDT-Cα:           %.4f\n", s.lddt_ca);
  printf ("GDT_TS:            %.4f\n", s.gdt_ts);
  return 0;
}
