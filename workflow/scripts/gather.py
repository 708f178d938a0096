# The gather step of workflow/Snakefile: the shards' summaries in one CSV
# (sorted as `foldlight-cli batch` sorts: length, then id), and config.json
# counting every shard's inputs (each shard wrote its own count).
import csv
import json
import os

rows, header = [], None
for path in snakemake.input:  # noqa: F821 (set by Snakemake's script directive)
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows.extend(reader)
rows.sort(key=lambda r: (int(r[1]), r[0]))
with open(snakemake.output[0], "w", newline="") as f:  # noqa: F821
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)

config_json = os.path.join(snakemake.params.outdir, "config.json")  # noqa: F821
if os.path.exists(config_json):
    with open(config_json) as f:
        run_config = json.load(f)
    run_config["num_queries"] = len(rows)
    with open(config_json + ".tmp", "w") as f:
        json.dump(run_config, f, indent=4)
        f.write("\n")
    os.replace(config_json + ".tmp", config_json)
