#!/usr/bin/env bash
# What the browser build weighs: each file of target/site/pkg raw, gzip -9 and brotli -q 11,
# what each page group's first load needs (core + its chunks, from the splitter's manifest),
# and twiggy's largest items per crate in the unsplit WASM (installs twiggy when missing).
# Needs the release build (`BUILD=1` builds it here). Figures go to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ -n "${BUILD:-}" ]; then
  cargo leptos build --release --split
  target/release/pms assets compress
fi
command -v brotli >/dev/null || { apt-get update -qq && apt-get install -y -qq brotli >/dev/null; }
command -v twiggy >/dev/null || cargo install twiggy --version 0.8.0 --locked
python3 - <<'PY'
import json, os, re, subprocess, collections
pkg = "target/site/pkg"
def size(cmd, f):
    return len(subprocess.run(cmd + [os.path.join(pkg, f)], capture_output=True, check=True).stdout)
files = sorted(f for f in os.listdir(pkg) if not f.endswith((".br", ".gz", ".d.ts")))
sizes = {f: (os.path.getsize(os.path.join(pkg, f)), size(["gzip", "-9", "-c"], f), size(["brotli", "-q", "11", "-c"], f)) for f in files}
print("| file | raw | gzip -9 | brotli -q 11 |\n|---|---|---|---|")
for f in sorted(files, key=lambda f: -sizes[f][0])[:12]:
    print("| %s | {:,} | {:,} | {:,} |".format(*sizes[f]) % f)
total = [sum(s[i] for s in sizes.values()) for i in range(3)]
print("| all %d files | {:,} | {:,} | {:,} |".format(*total) % len(files))
split_js = next((f for f in files if f.startswith("__wasm_split") and f.endswith(".js")), None)
core = ["pms.wasm", "pms.js", "pms.css"] + ([split_js] if split_js else [])
core_br = sum(sizes[f][2] for f in core)
print("\ncore (pms.wasm, pms.js, pms.css, the split loader): brotli {:,}".format(core_br))
manifest = os.path.join(pkg, "__wasm_split_manifest.json")
if os.path.exists(manifest):
    print("\n| group | chunks | raw | brotli | core + group, brotli |\n|---|---|---|---|---|")
    for name, chunks in sorted(json.load(open(manifest)).items()):
        raw = sum(sizes[c + ".wasm"][0] for c in chunks)
        br = sum(sizes[c + ".wasm"][2] for c in chunks)
        print("| %s | %d | {:,} | {:,} | {:,} |".format(raw, br, core_br + br) % (re.sub(r"_\d+$", "", name), len(chunks)))
unsplit = "target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm"
if os.path.exists(unsplit):
    out = subprocess.run(["twiggy", "top", "-n", "1000000", "-f", "csv", unsplit], capture_output=True, text=True, check=True).stdout
    crates = collections.Counter()
    for row in out.splitlines()[1:]:
        name, shallow = row.rsplit(",", 4)[0].strip('"'), row.rsplit(",", 4)[1]
        if "function names" in name or name.startswith(("custom section", "Σ", "...")):
            continue
        m = re.match(r"[<&\s]*(?:mut\s+|dyn\s+)?([a-z_][a-z0-9_]*)::", name)
        crates[m.group(1) if m else "(data, tables, glue)"] += int(shallow)
    print("\nunsplit WASM before wasm-opt, code by crate (twiggy, shallow bytes):")
    print("| crate | bytes |\n|---|---|")
    for c, n in crates.most_common(15):
        print("| %s | {:,} |".format(n) % c)
PY
