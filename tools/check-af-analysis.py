#!/usr/bin/env python3
"""Read batch results with af-analysis (PyPI), a tool that reads ColabFold
results: it detects the ColabFold 1.5 layout by log.txt, parses its lines,
finds every model's PDB and scores JSON by name and loads them.

  python3 -m venv /tmp/afa && /tmp/afa/bin/pip install af-analysis
  /tmp/afa/bin/python tools/check-af-analysis.py RESULTS_DIR [...]

Exits 1 when a folder is not read as ColabFold's, or a model lacks its PDB,
its scores or a pLDDT per residue."""
import sys
import warnings

warnings.filterwarnings("ignore")
import af_analysis  # noqa: E402

bad = 0
for d in sys.argv[1:]:
    data = af_analysis.Data(d, verbose=False)
    data.extract_data()
    df = data.df
    print(f"{d}: format {data.format}, {len(df)} models of {df['query'].nunique()} queries")
    cols = [c for c in ("query", "model", "weight", "seed", "pLDDT", "pTM", "ptm", "max_pae")
            if c in df.columns]
    print(df[cols].to_string())
    for i, row in df.iterrows():
        plddt = data.get_plddt(i)
        if row.get("pdb") is None or row.get("data_file") is None or len(plddt) != len(row["plddt"]):
            print(f"  row {i}: missing PDB / scores or pLDDT length mismatch")
            bad += 1
    if data.format != "colabfold_1.5":
        bad += 1
sys.exit(1 if bad else 0)
