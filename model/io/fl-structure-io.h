/* Reading and writing protein structures as PDB and mmCIF.
 *
 * Writing: one chain ("A"), residues numbered from 1, atoms in atom37 order,
 * per-residue pLDDT in the B-factor column of every atom of the residue (the
 * files say so in a REMARK / comment: it is pLDDT, not a B-factor). Several
 * models make a multi-model file (PDB MODEL/ENDMDL; mmCIF
 * pdbx_PDB_model_num), each with its own title (e.g. "recycle 2 layer 5").
 * Atoms whose mask is 0 or whose coordinates are not finite are not written.
 * PDB's fixed columns hold -999.999..9999.999 Å: coordinates outside are
 * clamped there (mmCIF has no such limit).
 *
 * Reading: the first model (or every model: fl_structure_*_models), one protein chain (the first one, or a chosen
 * chain id: auth_asym_id in mmCIF), residues that are amino acids (MSE is
 * read as MET, selenium SE as SD; water and ligands are skipped, HETATM
 * records of amino acids kept), the first alternate location of each atom,
 * residue numbers and insertion codes as in the file (auth_seq_id in mmCIF).
 * Sequence = the residues observed in the coordinates (SEQRES is not used).
 * mmCIF columns of the _atom_site loop are found by name. */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define FL_STRUCTURE_IO_ERROR (fl_structure_io_error_quark ())
GQuark fl_structure_io_error_quark (void);

typedef enum {
  FL_STRUCTURE_IO_ERROR_IO,      /* cannot open / read / write the file */
  FL_STRUCTURE_IO_ERROR_PARSE,   /* malformed record (message has the line) */
  FL_STRUCTURE_IO_ERROR_EMPTY,   /* no protein residue (or not the chosen chain) */
  FL_STRUCTURE_IO_ERROR_INVALID, /* bad arguments to a writer */
} FlStructureIoError;

typedef enum {
  FL_STRUCTURE_FORMAT_AUTO,  /* by extension (.cif/.mmcif), else by content */
  FL_STRUCTURE_FORMAT_PDB,
  FL_STRUCTURE_FORMAT_MMCIF,
} FlStructureFormat;

/* A protein chain read from a file. */
typedef struct {
  int L;                     /* residues */
  char chain_id[8];          /* author chain id, NUL-terminated */
  char *sequence;            /* (L + 1) one-letter codes, 'X' for UNK */
  int32_t *aatype;           /* (L) 0..20 (fl-residue-constants.h order) */
  float *atom37;             /* (L, 37, 3) Å, 0 where absent */
  float *atom37_mask;        /* (L, 37) 1 where the atom was read */
  float *b_factors;          /* (L) B-factor of CA (else the residue's first atom) */
  int32_t *residue_number;   /* (L) as in the file */
  char *insertion_code;      /* (L) ' ' when none */
} FlStructure;

/* Read a file (format by extension/content); chain_id NULL = first protein chain. */
FlStructure *fl_structure_read (const char *path, const char *chain_id, GError **error);
/* Parse text that is already in memory (len -1: NUL-terminated). */
FlStructure *fl_structure_parse (const char *text, gssize len, FlStructureFormat format,
                                 const char *chain_id, GError **error);
/* Every model of a multi-model file (PDB MODEL / ENDMDL, mmCIF
 * pdbx_PDB_model_num), in file order, each read as above: a GPtrArray of
 * FlStructure* that frees them. titles_out (nullable) gets one title per model,
 * "" where the file names none (our own files do: "REMARK 999 MODEL k: ..."
 * in PDB, _ma_model_list.model_name in mmCIF). */
GPtrArray *fl_structure_parse_models (const char *text, gssize len, FlStructureFormat format,
                                      const char *chain_id, GStrv *titles_out, GError **error);
GPtrArray *fl_structure_read_models (const char *path, const char *chain_id, GStrv *titles_out,
                                     GError **error);
void fl_structure_free (FlStructure *structure);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlStructure, fl_structure_free)

/* One model to write. All arrays are borrowed. */
typedef struct {
  const char *title;          /* may be NULL */
  const int32_t *aatype;      /* (L) */
  const float *atom37;        /* (L, 37, 3) Å */
  const float *atom37_mask;   /* (L, 37) */
  const float *plddt;         /* (L) 0..100, or NULL: 0 */
} FlStructureModel;

/* Text of a PDB / mmCIF file with n_models models of the same L residues
 * (n_models >= 1, L >= 1). name: the entry / data block name (NULL: "foldlight"). */
char *fl_structure_format_pdb (const char *name, int L, const FlStructureModel *models,
                               int n_models, GError **error);
char *fl_structure_format_mmcif (const char *name, int L, const FlStructureModel *models,
                                 int n_models, GError **error);
/* Write to a file; format AUTO picks by extension (.cif/.mmcif -> mmCIF, else PDB). */
gboolean fl_structure_write (const char *path, FlStructureFormat format, const char *name,
                             int L, const FlStructureModel *models, int n_models,
                             GError **error);

G_END_DECLS
