#!/usr/bin/env python3
"""Differential testing of Foldlight against DeepMind's AlphaFold2 monomer code.

Draws random small AlphaFold2 configurations (widths, head counts, block
counts, IPA sizes, structure-module layers, bins, sequence length, MSA depth,
recycles, with and without the _ptm head, with and without templates: the
template stack's settings and template structures written as PDB / mmCIF
files, aligned by an alignment file or by Foldlight), runs DeepMind's official model on
the CPU (JAX, fp32, 'highest' matmul precision, as ../shared/golden/README.md
describes) and foldlight-cli on the same features and parameters, and
compares every recycle teacher-forced and the free run. See docs/difftest.md.

Set-up (once; DeepMind's code is not part of this repository), as in
docs/difftest.md:

    python3 -m venv /tmp/afvenv
    /tmp/afvenv/bin/pip install jax==0.4.26 jaxlib==0.4.26 numpy==1.26.4 scipy==1.13.1 \
        ml_dtypes opt_einsum absl-py dm-tree jmp tabulate PyYAML contextlib2 six \
        msgpack rich typing_extensions
    /tmp/afvenv/bin/pip install --no-deps dm-haiku==0.0.12 ml-collections==0.1.0 flax==0.8.2
    /tmp/afvenv/bin/pip install --no-deps biopython==1.81   # template cross-check
    git clone https://github.com/google-deepmind/alphafold /tmp/alphafold-src
    /tmp/afvenv/bin/python tools/difftest.py --alphafold /tmp/alphafold-src \
        --cli build/app/foldlight-cli --cases 40 --seed 1 --work /tmp/difftest

(PyPI has no alphafold 2.3 package, only 2.0.0; give the source checkout
with --alphafold or $FL_ALPHAFOLD_SRC.) --templates gives every case
templates (by default about 40 % have them). --keep DIR --keep-max N writes
the first N small, well-conditioned cases (--keep-only: of these names) as
golden-format folders (the `difftest` test runs them).
"""
import argparse
import functools
import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np

AA = 'ARNDCQEGHILKMFPSTWYV'

# ---------------------------------------------------------------- drawing


def draw_spec(rng, index, max_length=70, templates=None):
    """One random configuration and input size."""
    def pick(options):
        return options[int(rng.integers(len(options)))]

    def heads_for(width):
        return pick([h for h in (1, 2, 4, 8) if width % h == 0])

    c_m = pick([4, 8, 12, 16, 24, 32])
    c_z = pick([4, 8, 12, 16, 24])
    c_e = pick([4, 8, 12, 16])
    row_heads = pick([h for h in (1, 2, 4) if c_m % h == 0 and c_e % h == 0])
    col_heads = pick([h for h in (1, 2, 4) if c_m % h == 0 and c_e % h == 0])
    L = int(pick([1, 2, 3, 5, 8]) if rng.random() < 0.15 else rng.integers(4, 71))
    L = min(L, max_length)
    depth = int(rng.integers(1, 41))
    spec = {
        'name': 'case%03d' % index,
        'ptm': bool(rng.random() < 0.6),
        'L': L,
        'depth': depth,
        'max_msa_clusters': int(rng.integers(1, min(depth, 16) + 3)),
        'max_extra_msa': int(rng.integers(1, 33)),
        'num_recycle': int(rng.integers(0, 4)),
        'a3m_seed': int(rng.integers(1 << 30)),
        'param_seed': int(rng.integers(1 << 30)),
        'msa_channel': c_m,
        'pair_channel': c_z,
        'seq_channel': pick([4, 8, 16, 24, 32]),
        'extra_msa_channel': c_e,
        'evoformer_num_block': int(rng.integers(1, 3)),
        'extra_msa_stack_num_block': int(rng.integers(1, 3)),
        'max_relative_feature': int(rng.integers(1, 33)),
        'prev_pos_bins': int(rng.integers(2, 20)),
        'prev_pos_min': float(pick([2.0, 3.25, 4.5])),
        'prev_pos_max': float(pick([12.0, 20.75, 25.5])),
        'row_heads': row_heads,
        'col_heads': col_heads,
        'tri_start_heads': heads_for(c_z),
        'tri_end_heads': heads_for(c_z),
        'tri_mul_channels': pick([4, 8, 12, 24]),
        'opm_channels': pick([2, 4, 8]),
        'msa_transition_factor': int(rng.integers(1, 5)),
        'pair_transition_factor': int(rng.integers(1, 5)),
        'sm_layers': int(rng.integers(1, 5)),
        'sm_channels': pick([8, 16, 24, 32]),
        'sm_heads': pick([1, 2, 3, 4]),
        'ipa_qk_scalar': int(rng.integers(1, 9)),
        'ipa_v_scalar': int(rng.integers(1, 9)),
        'ipa_qk_points': int(rng.integers(1, 5)),
        'ipa_v_points': int(rng.integers(1, 5)),
        'sm_transition_layers': int(rng.integers(1, 4)),
        'position_scale': float(pick([10.0, 5.0, 20.0])),
        'sidechain_channels': pick([4, 8, 16]),
        'sidechain_blocks': int(rng.integers(1, 3)),
        'plddt_bins': pick([10, 50, 37]),
        'plddt_channels': pick([4, 8, 16]),
        'distogram_bins': pick([16, 64, 39]),
        'distogram_first_break': float(pick([2.3125, 3.0])),
        'distogram_last_break': float(pick([21.6875, 15.0])),
        'pae_bins': pick([16, 64, 33]),
        'pae_max_error_bin': float(pick([31.0, 20.0])),
    }
    # Templates from a generator of their own, so that a seed draws the same
    # base configurations as before templates were added.
    trng = np.random.default_rng([spec['param_seed'], 11])
    if templates is None:
        templates = trng.random() < 0.4
    spec['templates'] = draw_templates(trng, spec) if templates else None
    return spec


def draw_templates(rng, spec):
    """Template settings (wherever DeepMind's config has one) and inputs:
    1-4 template structures, written as PDB and / or mmCIF files, aligned by
    an alignment file (golden tmpl's format), by Foldlight itself, or both."""
    def pick(options):
        return options[int(rng.integers(len(options)))]
    c_t = pick([4, 8, 12, 16])
    att_heads = pick([1, 2, 4])
    n_files = int(rng.integers(1, 5))
    return {
        'max_templates': int(rng.integers(1, 5)),
        'c_t': c_t,
        'blocks': int(pick([0, 1, 1, 2, 2, 2])) if rng.random() < 0.9 else 0,
        'tri_start_heads': pick([h for h in (1, 2, 4) if c_t % h == 0]),
        'tri_end_heads': pick([h for h in (1, 2, 4) if c_t % h == 0]),
        'tri_mul_channels': pick([4, 8, 12, 16]),
        'pair_transition_factor': int(rng.integers(1, 5)),
        'att_heads': att_heads,
        # value_dim = key_dim: Foldlight's point-wise attention has one
        # width per head (it refuses parameters with two).
        'att_key_dim': att_heads * int(rng.integers(1, 5)),
        'dgram_bins': int(rng.integers(2, 40)),
        'dgram_min': float(pick([2.0, 3.25, 4.0])),
        'dgram_max': float(pick([20.0, 32.5, 50.75])),
        # embed_torsion_angles stays on (as in models 1 and 2): Foldlight
        # refuses a configuration without the template MSA rows.
        'use_template_unit_vector': bool(rng.random() < 0.4),
        'subbatch_size': pick([None, 1, 3, 128]),
        'global_subbatch_size': pick([None, 2, 4]),
        # inputs
        'n_files': n_files,
        'alignment': pick(['file', 'file', 'global', 'both']),
        'structure_seed': int(rng.integers(1 << 30)),
    }


def random_a3m(spec):
    """A random alignment: query, then mutated rows with gaps and insertions
    (lower case). An 'X' in the query now and then (unknown residue)."""
    rng = np.random.default_rng(spec['a3m_seed'])
    L = spec['L']
    letters = list(AA)
    query = ''.join(letters[i] for i in rng.integers(20, size=L))
    if L > 3 and rng.random() < 0.3:
        k = int(rng.integers(L))
        query = query[:k] + 'X' + query[k + 1:]
    lines = ['>query', query]
    for n in range(1, spec['depth']):
        mut = rng.random()
        row = []
        for c in query:
            u = rng.random()
            if rng.random() < 0.05:
                row.append(''.join(letters[i].lower() for i in rng.integers(20, size=int(rng.integers(1, 4)))))
            if u < 0.1:
                row.append('-')
            elif u < 0.1 + 0.5 * mut:
                row.append(letters[int(rng.integers(20))])
            else:
                row.append(c)
        lines += ['>hit%d' % n, ''.join(row)]
    return '\n'.join(lines) + '\n'


# ---------------------------------------------------------------- templates

TEMPLATE_SINGLE = 'alphafold/alphafold_iteration/evoformer/template_single_embedding//weights'
PRE_OMEGA_FEATURES = (22, 23, 36, 37)   # sin, cos of pre-omega and of its alternative

# Residue names written for a template residue where the query has an X:
# unknown, or modified (phosphoserine / -threonine, read as S / T in an mmCIF
# sequence as the PDB's CCD gives them; both programs skip them in a PDB file).
MODIFIED = ('SEP', 'TPO', 'UNK')
MODIFIED_LETTER = {'SEP': 'S', 'TPO': 'T', 'UNK': 'X'}
BACKBONE = {'N': (-0.525, 1.359, 0.0), 'CA': (0.0, 0.0, 0.0), 'C': (1.526, 0.0, 0.0),
            'CB': (-0.529, -0.774, -1.205), 'O': (2.153, 1.062, 0.0)}


def random_rotation(rng):
    q = rng.standard_normal(4)
    q /= np.linalg.norm(q)
    a, b, c, d = q
    return np.array([[a*a + b*b - c*c - d*d, 2*(b*c - a*d), 2*(b*d + a*c)],
                     [2*(b*c + a*d), a*a - b*b + c*c - d*d, 2*(c*d - a*b)],
                     [2*(b*d - a*c), 2*(c*d + a*b), a*a - b*b - c*c + d*d]])


def query_fold(rng, L, residue_atoms, three):
    """A query-like chain: a CA random walk (3.8 Å steps, turning 60-110°),
    a random frame per residue with an ideal backbone and side-chain atoms
    1.5 Å apart in random directions. {atom name: xyz} per residue."""
    ca = np.zeros((L, 3))
    d = np.array([1.0, 0.0, 0.0])
    for i in range(1, L):
        u = rng.standard_normal(3)
        u -= u.dot(d) * d
        u /= np.linalg.norm(u)
        t = math.radians(rng.uniform(60, 110))
        d = math.cos(t) * d + math.sin(t) * u
        ca[i] = ca[i - 1] + 3.8 * d
    res = []
    for i in range(L):
        R = random_rotation(rng)
        atoms = {n: ca[i] + R @ np.array(x) for n, x in BACKBONE.items()}
        prev = [atoms['CB']]
        for n in residue_atoms.get(three[i], []):
            if n not in atoms:
                u = rng.standard_normal(3)
                atoms[n] = prev[int(rng.integers(len(prev)))] + 1.5 * u / np.linalg.norm(u)
                prev.append(atoms[n])
        res.append(atoms)
    return res


def template_chain(rng, query, fold, rc, k):
    """One template chain from the query fold: a sub-range, substitutions,
    query positions the template lacks, template insertions, a rigid move
    and noise; now and then MSE for M, UNK / SEP for X, a residue without
    coordinates, without CA or C, without some side-chain atoms, with
    hydrogens, altlocs, an insertion code. A list of residue dicts:
    letter, name, atoms ({name: [(altloc, occupancy, xyz)]} or None), q
    (aligned query index or -1)."""
    L = len(query)
    lo = int(rng.integers(0, max(1, L // 4)))
    hi = L - int(rng.integers(0, max(1, L // 4)))
    p_sub, p_del, p_ins = rng.uniform(0, 0.4), rng.uniform(0, 0.15), rng.uniform(0, 0.08)
    sigma = rng.uniform(0.2, 2.0)
    R, t = random_rotation(rng), rng.uniform(-30, 30, 3)
    out = []

    def residue(letter, xyz, q):
        if letter == 'X':
            name = MODIFIED[int(rng.integers(len(MODIFIED)))]
        elif letter == 'M' and rng.random() < 0.5:
            name = 'MSE'
        else:
            name = rc.restype_1to3[letter]
        std = rc.restype_1to3.get(letter, 'UNK') if letter != 'X' else 'GLY'
        names = set(rc.residue_atoms.get(std, ['N', 'CA', 'C', 'O']))
        xyz = dict(xyz)
        for n in rc.residue_atoms.get(std, []):
            if n not in xyz:    # side-chain atoms the query residue lacks
                u = rng.standard_normal(3)
                xyz[n] = xyz['CB'] + rng.uniform(1.5, 4.0) * u / np.linalg.norm(u)
        atoms = {}
        for n, x in xyz.items():
            if n not in names and n != 'CB':
                continue
            if n == 'CB' and std == 'GLY':
                continue
            if name == 'MSE' and n == 'SD':
                n = 'SE'
            pos = R @ (x + sigma * rng.standard_normal(3)) + t
            atoms[n] = [('', 1.0, pos)]
            if rng.random() < 0.02:    # an alternate location
                occ = float(rng.choice([0.5, 0.4, 0.7]))
                atoms[n] = [('A', occ, pos), ('B', round(1 - occ, 2), pos + rng.standard_normal(3))]
        u = rng.random()
        if u < 0.06:
            atoms = None
        elif u < 0.12:
            atoms.pop(['CA', 'C', 'N'][int(rng.integers(3))], None)
        elif u < 0.25:
            side = [n for n in atoms if n not in ('N', 'CA', 'C', 'O')]
            for n in side[int(rng.integers(len(side) + 1)):] if side else []:
                del atoms[n]
        if atoms is not None and rng.random() < 0.05:
            atoms['H'] = [('', 1.0, R @ (xyz['N'] + np.array([0.0, 0.0, 1.0])) + t)]
        return {'letter': letter, 'name': name, 'atoms': atoms, 'q': q}

    for i in range(lo, hi):
        if rng.random() < p_ins and out:
            for _ in range(int(rng.integers(1, 4))):
                mid = {n: (fold[i][n] + fold[max(i - 1, 0)][n]) / 2 for n in BACKBONE}
                out.append(residue(AA[int(rng.integers(20))], mid, -1))
        if rng.random() < p_del:
            continue
        letter = query[i] if rng.random() >= p_sub else AA[int(rng.integers(20))]
        out.append(residue(letter, fold[i], i))
    if not any(r['atoms'] for r in out):
        out.append(residue('G', fold[0], -1))
    return out


def fmt_pdb_name(n):
    return n if len(n) == 4 else ' ' + n.ljust(3)


def chain_letters(chain, fmt):
    """The chain sequence as Foldlight (and golden README step 1) reads it:
    PDB: residues with coordinates, 20 amino acids and MSE; mmCIF: all."""
    keep = []
    for r in chain:
        if fmt == 'pdb' and (r['atoms'] is None or r['name'] in MODIFIED):
            continue
        keep.append(r)
    return keep


def write_pdb(path, chains, rng):
    lines, serial = ['HEADER    FOLDLIGHT DIFFTEST TEMPLATE', ], 1
    models = 2 if rng.random() < 0.15 else 1
    for m in range(models):
        if models > 1:
            lines.append('MODEL     %4d' % (m + 1))
        for cid, chain in chains:
            num, icode = int(rng.integers(-3, 20)), ' '
            for r in chain:
                if r['q'] < 0 and rng.random() < 0.5 and num > -1000:
                    # an insertion code on the previous number (B after A, ...)
                    icode = chr(ord(icode) + 1) if icode.isalpha() else 'A'
                else:
                    num += 1
                    icode = ' '
                if r['atoms'] is None:
                    continue
                rec = 'HETATM' if r['name'] in ('MSE',) + MODIFIED else 'ATOM  '
                for n, alts in r['atoms'].items():
                    for alt, occ, x in alts:
                        x = x + (m * 1.0)
                        lines.append('%s%5d %s%1s%3s %1s%4d%1s   %8.3f%8.3f%8.3f%6.2f%6.2f          %2s' % (
                            rec, serial, fmt_pdb_name(n), alt, r['name'], cid, num, icode,
                            x[0], x[1], x[2], occ, 20.0, n[0]))
                        serial += 1
            lines.append('TER')
        lines.append('HETATM%5d  O   HOH %1s 901    %8.3f%8.3f%8.3f  1.00 30.00           O' % (
            serial, chains[-1][0], 1.0, 2.0, 3.0))
        serial += 1
        if models > 1:
            lines.append('ENDMDL')
    lines.append('END')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def write_cif(path, chains, rng, entry):
    out = ['data_%s' % entry, '#', '_entry.id %s' % entry, '#',
           '_exptl.method "X-RAY DIFFRACTION"', '#',
           '_refine.ls_d_res_high 2.0', '#',
           'loop_', '_pdbx_audit_revision_history.ordinal',
           '_pdbx_audit_revision_history.revision_date', '1 2000-01-01', '#']
    names = sorted({r['name'] for _, c in chains for r in c} | {'HOH'})
    out += ['loop_', '_chem_comp.id', '_chem_comp.type']
    out += ['%s %s' % (n, '"L-peptide linking"' if n != 'HOH' else 'non-polymer') for n in names]
    out += ['#', 'loop_', '_entity_poly_seq.entity_id', '_entity_poly_seq.num',
            '_entity_poly_seq.mon_id', '_entity_poly_seq.hetero']
    for e, (cid, chain) in enumerate(chains):
        out += ['%d %d %s n' % (e + 1, i + 1, r['name']) for i, r in enumerate(chain)]
    out += ['#', 'loop_', '_struct_asym.id', '_struct_asym.entity_id']
    out += ['%s %d' % (chr(ord('A') + e), e + 1) for e in range(len(chains))]
    out += ['%s %d' % (chr(ord('A') + len(chains)), len(chains) + 1), '#']
    out += ['loop_'] + ['_atom_site.' + c for c in (
        'group_PDB', 'id', 'type_symbol', 'label_atom_id', 'label_alt_id', 'label_comp_id',
        'label_asym_id', 'label_entity_id', 'label_seq_id', 'pdbx_PDB_ins_code', 'Cartn_x',
        'Cartn_y', 'Cartn_z', 'occupancy', 'B_iso_or_equiv', 'auth_seq_id', 'auth_comp_id',
        'auth_asym_id', 'auth_atom_id', 'pdbx_PDB_model_num')]
    serial = 1
    models = 2 if rng.random() < 0.15 else 1
    for m in range(models):
        for e, (cid, chain) in enumerate(chains):
            num, icode = int(rng.integers(-3, 20)), '?'
            for i, r in enumerate(chain):
                if r['q'] < 0 and rng.random() < 0.5 and num > -1000:
                    # an insertion code on the previous number (B after A, ...)
                    icode = chr(ord(icode) + 1) if icode.isalpha() else 'A'
                else:
                    num += 1
                    icode = '?'
                if r['atoms'] is None:
                    continue
                rec = 'HETATM' if r['name'] in ('MSE',) + MODIFIED else 'ATOM'
                for n, alts in r['atoms'].items():
                    for alt, occ, x in alts:
                        x = x + (m * 1.0)
                        out.append('%s %d %s %s %s %s %s %d %d %s %.3f %.3f %.3f %.2f 20.00 %d %s %s %s %d' % (
                            rec, serial, n[0], n, alt or '.', r['name'], chr(ord('A') + e), e + 1,
                            i + 1, icode, x[0], x[1], x[2], occ, num, r['name'], cid, n, m + 1))
                        serial += 1
        out.append('HETATM %d O O . HOH %s %d . ? 1.000 2.000 3.000 1.00 30.00 901 HOH %s O %d' % (
            serial, chr(ord('A') + len(chains)), len(chains) + 1, chains[-1][0], m + 1))
        serial += 1
    out.append('#')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


def write_templates(spec, query, work, rc):
    """Template files and options for foldlight-cli features. Returns
    (argv, descriptions); the files and template_alignment.tsv are in work."""
    ts = spec['templates']
    rng = np.random.default_rng(ts['structure_seed'])
    fold = query_fold(rng, len(query), rc.residue_atoms,
                      [rc.restype_1to3.get(c, 'GLY') for c in query])
    by_file, global_files, described = [], [], []
    for k in range(ts['n_files']):
        fmt = 'cif' if rng.random() < 0.5 else 'pdb'
        entry = '%d%s' % (k + 1, ''.join(chr(ord('a') + int(x)) for x in rng.integers(26, size=3)))
        chain = template_chain(rng, query, fold, rc, k)
        chains = [('A', chain)]
        if rng.random() < 0.3:    # a decoy chain first; the template is chain B
            decoy = [{'letter': c, 'name': rc.restype_1to3[c], 'q': -1,
                      'atoms': {n: [('', 1.0, rng.uniform(-20, 20, 3))] for n in ('N', 'CA', 'C', 'O')}}
                     for c in (AA[int(i)] for i in rng.integers(20, size=8))]
            chains = [('A', decoy), ('B', chain)]
        cid = chains[-1][0]
        name = '%s.%s' % (entry, fmt)
        path = os.path.join(work, name)
        (write_cif(path, chains, rng, entry.upper()) if fmt == 'cif' else write_pdb(path, chains, rng))
        mode = ts['alignment'] if ts['alignment'] != 'both' else ('file' if k % 2 == 0 else 'global')
        described.append({'file': name, 'chain': cid, 'format': fmt, 'aligned_by': mode,
                          'residues': len(chain)})
        if mode == 'global':
            global_files.append(name + (':' + cid if cid != 'A' or rng.random() < 0.5 else ''))
        else:
            by_file.append((name, fmt, cid, entry, chain))
    # foldlight-cli refuses more structure files (--template) than
    # max_templates together with the alignment file's hits; an alignment
    # file alone may hold more (the extra hits are dropped, as AlphaFold does).
    room = max(ts['max_templates'] - len(by_file), 0)
    kept_files = [g.split(':')[0] for g in global_files[:room]]
    for d in described:
        if d['aligned_by'] == 'global' and d['file'] not in kept_files:
            d['aligned_by'] = 'not given (beyond max_templates)'
    global_files = global_files[:room]
    argv = []
    if by_file:
        lines = ['# Query-template alignment written by tools/difftest.py',
                 '# query\t%s' % query, '# query_length\t%d' % len(query)]
        rows = ['template\tfile\tchain\tquery_index\tquery_aa\ttemplate_index\ttemplate_aa\tresidue\tresname']
        t = 0
        for name, fmt, cid, entry, chain in by_file:
            seq = chain_letters(chain, 'pdb' if fmt == 'pdb' else 'cif')
            letters = ''.join(MODIFIED_LETTER.get(r['name'], r['letter']) for r in seq)
            mine = ['%d\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s' % (
                t, name, cid, r['q'], query[r['q']], j, letters[j],
                '.' if r['atoms'] is None else str(j), r['name'])
                for j, r in enumerate(seq) if r['q'] >= 0 and rng.random() > 0.03]
            if not mine:
                continue
            lines.append('# template %d\tfile=%s\tformat=%s\tchain=%s\tdomain_name=%s_%s\tsum_probs=%.1f\tchain_sequence=%s'
                         % (t, name, 'mmcif' if fmt == 'cif' else 'pdb', cid, entry.lower(), cid,
                            100.0 - 10 * t, letters))
            rows += mine
            t += 1
        if t > 0:
            with open(os.path.join(work, 'template_alignment.tsv'), 'w') as f:
                f.write('\n'.join(lines + rows) + '\n')
            argv += ['--template-alignment', os.path.join(work, 'template_alignment.tsv')]
    for g in global_files:
        argv += ['--template', os.path.join(work, g)]
    argv += ['--max-templates', str(ts['max_templates'])]
    return argv, described


def printed_alignments(stderr):
    """(file path, query-to-chain index map) of each template, in slot
    order, from the alignments `foldlight-cli features` prints."""
    out, lines = [], stderr.splitlines()
    for k, line in enumerate(lines):
        if line.startswith('foldlight-cli: template ') and k + 2 < len(lines):
            path = line[line.index('(') + 1:line.index('):')]
            qrow, trow = lines[k + 1].split()[-1], lines[k + 2].split()[-1]
            qi, ti, mapping = 0, 0, {}
            for a, b in zip(qrow, trow):
                if a != '-' and b != '-':
                    mapping[qi] = ti
                qi += a != '-'
                ti += b != '-'
            out.append((path, mapping))
    return out


def crosscheck_templates(dm, spec, work, stderr, query):
    """Template features of each mmCIF template as DeepMind's templates.py
    builds them (mmcif_parsing.parse, _extract_template_features, for the
    alignment Foldlight used) against Foldlight's features.npz. Needs
    Biopython; PDB files are not read by DeepMind's pipeline. Returns a list
    of findings (empty when all agree) or None when it cannot run."""
    try:
        from alphafold.data import mmcif_parsing, templates
    except ImportError:
        return None
    with np.load(os.path.join(work, 'features.npz')) as f:
        fl = {k: f[k] for k in f.files if k.startswith('template_')}
    restypes = dm.rc.restypes_with_x + ['-']
    findings, checked = [], 0
    for slot, (path, mapping) in enumerate(printed_alignments(stderr)):
        if slot >= fl['template_aatype'].shape[0] or not path.endswith('.cif'):
            continue
        chain = next(d['chain'] for d in spec['templates']['files'] if path.endswith(d['file']))
        with open(path) as fh:
            parsed = mmcif_parsing.parse(file_id=os.path.basename(path)[:4], mmcif_string=fh.read())
        if parsed.mmcif_object is None:
            findings.append('%s: DeepMind cannot parse it: %s' % (path, parsed.errors))
            continue
        seqres = parsed.mmcif_object.chain_to_seqres.get(chain)
        try:
            feats, _ = templates._extract_template_features(
                parsed.mmcif_object, os.path.basename(path)[:4], mapping, seqres, query, chain, 'kalign')
        except Exception as e:  # DeepMind rejects the hit: so should nobody silently
            findings.append('%s: DeepMind rejects the template: %r' % (path, e))
            continue
        checked += 1
        want_aa = np.array([dm.rc.HHBLITS_AA_TO_ID[c] for c in feats['template_sequence'].decode()])
        want_aa = np.array(dm.rc.MAP_HHBLITS_AATYPE_TO_OUR_AATYPE)[want_aa]
        got = {'aatype': fl['template_aatype'][slot], 'positions': fl['template_all_atom_positions'][slot],
               'masks': fl['template_all_atom_masks'][slot]}
        want = {'aatype': want_aa, 'positions': feats['template_all_atom_positions'].astype(np.float32),
                'masks': feats['template_all_atom_masks'].astype(np.float32)}
        for key in got:
            bad = np.nonzero(np.any((got[key] != want[key]).reshape(len(query), -1), -1))[0]
            if len(bad):
                i = int(bad[0])
                findings.append('%s slot %d: template %s differs at %d query positions, first %d '
                                '(Foldlight %s, DeepMind %s)' % (
                                    os.path.basename(path), slot, key, len(bad), i,
                                    restypes[got['aatype'][i]] if key == 'aatype' else got[key][i].tolist(),
                                    restypes[want['aatype'][i]] if key == 'aatype' else want[key][i].tolist()))
    return {'checked': checked, 'findings': findings}


def alphafold_config(spec, af_config):
    cfg = af_config.model_config('model_3_ptm' if spec['ptm'] else 'model_3')
    R = spec['num_recycle']
    cfg.data.common.num_recycle = R
    cfg.data.common.max_extra_msa = spec['max_extra_msa']
    cfg.data.eval.max_msa_clusters = spec['max_msa_clusters']
    ts = spec.get('templates')
    cfg.data.common.use_templates = bool(ts)
    m = cfg.model
    m.num_recycle = R
    m.resample_msa_in_recycling = True
    g = m.global_config
    g.deterministic = True
    g.subbatch_size = None
    g.use_remat = False
    g.zero_init = True
    g.eval_dropout = False
    ee = m.embeddings_and_evoformer
    ee.template.enabled = bool(ts)
    if ts:
        # As for golden tmpl: the features hold max_msa_clusters cluster rows,
        # and the official eval count includes the template rows.
        cfg.data.common.reduce_msa_clusters_by_max_templates = True
        cfg.data.eval.max_msa_clusters = spec['max_msa_clusters'] + ts['max_templates']
        cfg.data.eval.max_templates = ts['max_templates']
        g.subbatch_size = ts['global_subbatch_size']
        tp = ee.template
        tp.max_templates = ts['max_templates']
        tp.embed_torsion_angles = True
        tp.use_template_unit_vector = ts['use_template_unit_vector']
        tp.subbatch_size = ts['subbatch_size']
        tp.attention.num_head = ts['att_heads']
        tp.attention.key_dim = ts['att_key_dim']
        tp.attention.value_dim = ts['att_key_dim']
        tp.dgram_features.num_bins = ts['dgram_bins']
        tp.dgram_features.min_bin = ts['dgram_min']
        tp.dgram_features.max_bin = ts['dgram_max']
        st = tp.template_pair_stack
        st.num_block = ts['blocks']
        for node, heads in (('triangle_attention_starting_node', ts['tri_start_heads']),
                            ('triangle_attention_ending_node', ts['tri_end_heads'])):
            st[node].num_head = heads
            st[node].key_dim = ts['c_t']
            st[node].value_dim = ts['c_t']
        st.triangle_multiplication_outgoing.num_intermediate_channel = ts['tri_mul_channels']
        st.triangle_multiplication_incoming.num_intermediate_channel = ts['tri_mul_channels']
        st.pair_transition.num_intermediate_factor = ts['pair_transition_factor']
    for key in ('msa_channel', 'pair_channel', 'seq_channel', 'extra_msa_channel',
                'evoformer_num_block', 'extra_msa_stack_num_block', 'max_relative_feature'):
        ee[key] = spec[key]
    ee.prev_pos.num_bins = spec['prev_pos_bins']
    ee.prev_pos.min_bin = spec['prev_pos_min']
    ee.prev_pos.max_bin = spec['prev_pos_max']
    evo = ee.evoformer
    evo.msa_row_attention_with_pair_bias.num_head = spec['row_heads']
    evo.msa_column_attention.num_head = spec['col_heads']
    evo.msa_transition.num_intermediate_factor = spec['msa_transition_factor']
    evo.pair_transition.num_intermediate_factor = spec['pair_transition_factor']
    evo.outer_product_mean.num_outer_channel = spec['opm_channels']
    evo.triangle_attention_starting_node.num_head = spec['tri_start_heads']
    evo.triangle_attention_ending_node.num_head = spec['tri_end_heads']
    evo.triangle_multiplication_outgoing.num_intermediate_channel = spec['tri_mul_channels']
    evo.triangle_multiplication_incoming.num_intermediate_channel = spec['tri_mul_channels']
    h = m.heads
    sm = h.structure_module
    sm.num_layer = spec['sm_layers']
    sm.num_channel = spec['sm_channels']
    sm.num_head = spec['sm_heads']
    sm.num_scalar_qk = spec['ipa_qk_scalar']
    sm.num_scalar_v = spec['ipa_v_scalar']
    sm.num_point_qk = spec['ipa_qk_points']
    sm.num_point_v = spec['ipa_v_points']
    sm.num_layer_in_transition = spec['sm_transition_layers']
    sm.position_scale = spec['position_scale']
    sm.sidechain.num_channel = spec['sidechain_channels']
    sm.sidechain.num_residual_block = spec['sidechain_blocks']
    h.predicted_lddt.num_bins = spec['plddt_bins']
    h.predicted_lddt.num_channels = spec['plddt_channels']
    h.distogram.num_bins = spec['distogram_bins']
    h.distogram.first_break = spec['distogram_first_break']
    h.distogram.last_break = spec['distogram_last_break']
    h.predicted_aligned_error.num_bins = spec['pae_bins']
    h.predicted_aligned_error.max_error_bin = spec['pae_max_error_bin']
    return cfg


def param_values(shapes, seed):
    """The golden README's value rules, in sorted (scope, name) order."""
    rng = np.random.default_rng(seed)
    out = {}
    gating = ('left_gate', 'right_gate', 'gating_linear')
    for scope, name in sorted(shapes):
        shape = shapes[(scope, name)]
        n = rng.standard_normal(shape)
        stacked = ('evoformer_iteration' in scope or 'extra_msa_stack' in scope
                   or '__layer_stack_no_state' in scope)
        fan_shape = shape[1:] if stacked else shape
        last = scope.split('/')[-1]
        if name == 'scale':
            v = 1 + 0.1 * n
        elif name == 'offset':
            v = 0.05 * n
        elif name == 'bias' or name.endswith('_b'):
            base = 1.0 if name == 'gating_b' or (name == 'bias' and last in gating) else 0.0
            v = base + 0.05 * n
        elif name == 'trainable_point_weights':
            v = math.log(math.e - 1) + 0.1 * n
        elif name == 'output_w':
            v = n / math.sqrt(float(np.prod(fan_shape[:-1])))
        else:
            v = n / math.sqrt(float(fan_shape[0]))
        out['%s//%s' % (scope, name)] = v.astype(np.float32)
    return out


# ---------------------------------------------------------------- DeepMind


class DeepMind:
    """DeepMind's AlphaFoldIteration, one recycle per call, with the
    previous state given explicitly: each call is exactly one iteration of
    `modules.AlphaFold` (same module path and names, RunModel's
    is_training=False and ensemble_representations=True), so chaining the
    calls is DeepMind's free run and every call is a true teacher-forced
    reference for the state it was given."""

    def __init__(self, af_src):
        sys.path.insert(0, af_src)
        os.environ.setdefault('JAX_PLATFORMS', 'cpu')
        # One XLA compile per configuration is the main cost; LLVM's
        # optimisation level changes speed only (XLA's CPU fast-math is off).
        os.environ.setdefault('XLA_FLAGS', '--xla_backend_optimization_level=0')
        import jax
        jax.config.update('jax_platforms', 'cpu')
        jax.config.update('jax_default_matmul_precision', 'highest')
        import haiku as hk
        from alphafold.common import confidence
        from alphafold.common import residue_constants
        from alphafold.model import config as af_config
        from alphafold.model import folding, modules
        self.jax, self.hk, self.rc = jax, hk, residue_constants
        self.confidence, self.af_config, self.modules = confidence, af_config, modules

        # traj / sidechains / atom14 are only returned with compute_loss=True
        # (the loss itself is never called), as for the golden cases.
        base = folding.StructureModule

        class StructureModuleWithTraj(base):
            def __init__(self, config, global_config, compute_loss=False, name='structure_module'):
                super().__init__(config, global_config, compute_loss=True, name=name)
        folding.StructureModule = StructureModuleWithTraj
        self.versions = {'jax': jax.__version__, 'haiku': hk.__version__, 'numpy': np.__version__}

    def build(self, cfg):
        hk, modules = self.hk, self.modules
        model_cfg = cfg.model

        class Iteration(hk.Module):
            def __init__(self):
                super().__init__(name='alphafold')

            def __call__(self, batch, prev):
                impl = modules.AlphaFoldIteration(model_cfg, model_cfg.global_config)
                ensembled = {k: v[None] for k, v in batch.items()}
                return impl(ensembled_batch=ensembled, non_ensembled_batch=prev,
                            is_training=False, compute_loss=False,
                            ensemble_representations=True)

        fn = hk.transform(lambda batch, prev: Iteration()(batch, prev))
        return fn

    def param_shapes(self, fn, batch, prev):
        jax = self.jax
        shapes = jax.eval_shape(fn.init, jax.random.PRNGKey(0), batch, prev)
        return {(scope, name): tuple(v.shape) for scope, d in shapes.items() for name, v in d.items()}


def flatten(tree, prefix=''):
    out = {}
    for k, v in tree.items():
        key = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, key + '/'))
        elif hasattr(v, '_fields'):        # r3 Vecs / Rots / Rigids
            continue
        else:
            out[key] = np.asarray(v)
    return out


def r3_keys(sc):
    """sidechains atom_pos (Vecs) and frames (Rigids) as arrays."""
    out = {}
    ap = sc['atom_pos']
    out['structure_module/sidechains/atom_pos'] = np.stack([np.asarray(ap.x), np.asarray(ap.y), np.asarray(ap.z)], -1)
    fr = sc['frames']
    rot = np.stack([np.asarray(getattr(fr.rot, n)) for n in ('xx', 'xy', 'xz', 'yx', 'yy', 'yz', 'zx', 'zy', 'zz')], -1)
    out['structure_module/sidechains/frames/rot'] = rot.reshape(rot.shape[:-1] + (3, 3))
    out['structure_module/sidechains/frames/trans'] = np.stack(
        [np.asarray(fr.trans.x), np.asarray(fr.trans.y), np.asarray(fr.trans.z)], -1)
    return out


def outputs_of(dm, ret, ptm):
    out = flatten({k: v for k, v in ret.items() if k != 'structure_module'})
    sm = ret['structure_module']
    out.update(flatten({k: v for k, v in sm.items() if k != 'sidechains'}, 'structure_module/'))
    out.update(flatten({k: v for k, v in sm['sidechains'].items() if k in ('angles_sin_cos', 'unnormalized_angles_sin_cos')},
                       'structure_module/sidechains/'))
    out.update(r3_keys(sm['sidechains']))
    out['confidence/plddt'] = dm.confidence.compute_plddt(out['predicted_lddt/logits']).astype(np.float32)
    if ptm:
        pae = dm.confidence.compute_predicted_aligned_error(out['predicted_aligned_error/logits'],
                                                            out['predicted_aligned_error/breaks'])
        for k, v in pae.items():
            out['confidence/' + k] = np.asarray(v, np.float32)
        out['confidence/ptm'] = np.asarray(dm.confidence.predicted_tm_score(
            out['predicted_aligned_error/logits'], out['predicted_aligned_error/breaks']), np.float32)
    return {k: v for k, v in out.items() if v.dtype != object}


PER_RECYCLE = ('structure_module/final_atom_positions', 'structure_module/final_atom14_positions',
               'structure_module/final_affines', 'predicted_lddt/logits', 'representations/single',
               'representations/msa_first_row', 'representations/structure_module',
               'representations/pair')


def pseudo_beta(aatype, atom37):
    cb = np.where((aatype == 7)[:, None], atom37[:, 1], atom37[:, 3])
    return cb.astype(np.float64)


def conditioning(spec, aatype, atom37):
    """Smallest |d² - edge²| (Å²) of the recycled pseudo-β distances against
    the recycling distogram's edges (AlphaFold's float32 linspace, squared)."""
    edges = np.square(np.linspace(spec['prev_pos_min'], spec['prev_pos_max'], spec['prev_pos_bins'],
                                  dtype=np.float32)).astype(np.float64)
    x = pseudo_beta(aatype, atom37)
    d2 = np.sum(np.square(x[:, None] - x[None]), -1)
    return float(np.min(np.abs(d2[..., None] - edges)))


# ---------------------------------------------------------------- one case


def cli(args, argv):
    r = subprocess.run([args.cli] + argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError('foldlight-cli %s failed: %s' % (argv[0], r.stderr.strip()))
    return r.stderr


def err_abs(a, b):
    return float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0


def err_rel(a, b):
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-30)
    return err_abs(a, b) / scale


# What is compared and how: (report group, key, 'abs' | 'rel').
COMPARE = [
    ('positions', 'structure_module/final_atom_positions', 'abs'),
    ('positions', 'structure_module/final_atom14_positions', 'abs'),
    ('positions', 'structure_module/sidechains/atom_pos', 'abs'),
    ('positions', 'structure_module/sidechains/frames/trans', 'abs'),
    ('plddt', 'confidence/plddt', 'abs'),
    ('pae', 'confidence/predicted_aligned_error', 'abs'),
    ('ptm', 'confidence/ptm', 'abs'),
    ('representations', 'representations/msa', 'rel'),
    ('representations', 'representations/msa_first_row', 'rel'),
    ('representations', 'representations/pair', 'rel'),
    ('representations', 'representations/single', 'rel'),
    ('representations', 'representations/structure_module', 'rel'),
    ('logits', 'distogram/logits', 'rel'),
    ('logits', 'masked_msa/logits', 'rel'),
    ('logits', 'predicted_lddt/logits', 'rel'),
    ('logits', 'experimentally_resolved/logits', 'rel'),
    ('logits', 'predicted_aligned_error/logits', 'rel'),
    ('angles', 'structure_module/sidechains/angles_sin_cos', 'rel'),
]
# A teacher-forced mismatch: beyond these (the golden tests' tolerances).
TOL = {'positions': 0.01, 'plddt': 0.01, 'pae': 0.01, 'ptm': 1e-4,
       'representations': 1e-4, 'logits': 1e-4, 'angles': 1e-4}
# Where a mismatch points first, in data-flow order (trunk, then the rest).
FLOW = ['representations/msa_first_row', 'representations/pair', 'representations/msa',
        'representations/single', 'structure_module/final_affines',
        'representations/structure_module', 'structure_module/final_atom_positions']


def compare(got, want, prefix_got, prefix_want):
    per_group, per_key = {}, {}
    for group, key, how in COMPARE:
        a, b = got.get(prefix_got + key), want.get(prefix_want + key)
        if b is None:
            continue
        if a is None or a.size != b.size:
            per_key[key] = float('inf')
        else:
            per_key[key] = (err_abs if how == 'abs' else err_rel)(a.reshape(b.shape), b)
        per_group[group] = max(per_group.get(group, 0.0), per_key[key])
    return per_group, per_key


def deepmind_side(dm, args, spec, work):
    """Features, parameters, configuration and DeepMind's outputs of every
    recycle, saved in `work` (reference.npz holds r{r}/<key>)."""
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, 'spec.json'), 'w') as f:
        json.dump(spec, f, indent=1)
    with open(os.path.join(work, 'input.a3m'), 'w') as f:
        f.write(random_a3m(spec))
    feats_path = os.path.join(work, 'features.npz')
    targs = []
    if spec.get('templates'):
        query = random_a3m(spec).split('\n')[1]
        targs, spec['templates']['files'] = write_templates(spec, query, work, dm.rc)
        with open(os.path.join(work, 'spec.json'), 'w') as f:
            json.dump(spec, f, indent=1)
    printed = cli(args, ['features', '--a3m', os.path.join(work, 'input.a3m'), '--deterministic',
                         '--max-msa-clusters', str(spec['max_msa_clusters']),
                         '--max-extra-msa', str(spec['max_extra_msa']), '--out', feats_path] + targs)
    if spec.get('templates'):
        with open(os.path.join(work, 'features.log'), 'w') as f:
            f.write(printed)
        check = crosscheck_templates(dm, spec, work, printed, query)
        with open(os.path.join(work, 'template-crosscheck.json'), 'w') as f:
            json.dump(check, f, indent=1)
    with np.load(feats_path) as f:
        batch = {k: f[k] for k in f.files if not k.startswith('debug/')}
    cfg = alphafold_config(spec, dm.af_config)
    L, ee = spec['L'], cfg.model.embeddings_and_evoformer
    zeros = {'prev_pos': np.zeros((L, 37, 3), np.float32),
             'prev_msa_first_row': np.zeros((L, ee.msa_channel), np.float32),
             'prev_pair': np.zeros((L, L, ee.pair_channel), np.float32)}
    fn = dm.build(cfg)
    params = param_values(dm.param_shapes(fn, batch, zeros), spec['param_seed'])
    if spec.get('templates'):
        # The pre-omega torsion of a residue after a template gap (previous
        # CA and C at the origin, so on the frame's x axis) is pure rounding:
        # its value depends on how XLA fuses the frame (eager, jit at -O0
        # and jit at the default level give three different values). The
        # weights reading its sin / cos (angle features 22-23 and 36-37) are
        # zero, so that everything else is compared. See docs/difftest.md.
        w = params[TEMPLATE_SINGLE]
        w[list(PRE_OMEGA_FEATURES), :] = 0.0
    np.savez(os.path.join(work, 'params.npz'), **params)
    hk_params = {}
    for k, v in params.items():
        scope, name = k.split('//')
        hk_params.setdefault(scope, {})[name] = v
    apply = dm.jax.jit(fn.apply)
    key = dm.jax.random.PRNGKey(0)

    # Chained iterations = DeepMind's free run; each one is teacher-forced.
    prev = zeros
    for r in range(spec['num_recycle'] + 1):
        out = outputs_of(dm, dm.jax.device_get(apply(hk_params, key, batch, prev)), spec['ptm'])
        np.savez(os.path.join(work, 'reference-r%d.npz' % r), **out)
        prev = {'prev_pos': out['structure_module/final_atom_positions'],
                'prev_msa_first_row': out['representations/msa_first_row'],
                'prev_pair': out['representations/pair']}
    with open(os.path.join(work, 'config.json'), 'w') as f:
        json.dump(cfg.to_dict(), f, indent=1, default=lambda o: None)


def load_reference(spec, work):
    dm_out = []
    for r in range(spec['num_recycle'] + 1):
        with np.load(os.path.join(work, 'reference-r%d.npz' % r)) as f:
            dm_out.append(dict(f))
    return dm_out


def foldlight_side(args, spec, work):
    """foldlight-cli teacher-forced and free on the saved case; the comparison."""
    t0 = time.time()
    dm_out = load_reference(spec, work)
    R = spec['num_recycle']
    with np.load(os.path.join(work, 'features.npz')) as f:
        aatype = f['aatype']
    cond = [conditioning(spec, aatype, dm_out[r]['structure_module/final_atom_positions'])
            for r in range(R)]
    ref = {'r%d/%s' % (r, k): v for r, o in enumerate(dm_out) for k, v in o.items()}
    ref_path = os.path.join(work, 'reference.npz')
    np.savez(ref_path, **ref)
    common = ['predict', '--params', os.path.join(work, 'params.npz'),
              '--config', os.path.join(work, 'config.json'),
              '--features', os.path.join(work, 'features.npz'),
              '--backend', 'cpu', '--threads', str(args.threads), '--recycles', str(R)]
    tf_dir, free_dir = os.path.join(work, 'teacher-forced'), os.path.join(work, 'free')
    cli(args, common + ['--teacher-forced', ref_path, '--out', tf_dir])
    cli(args, common + ['--save-npz', '--out', free_dir])
    with np.load(os.path.join(tf_dir, 'result.npz')) as f:
        tf = dict(f)
    with np.load(os.path.join(free_dir, 'result.npz')) as f:
        free = dict(f)

    result = {'name': spec['name'], 'spec': spec,
              'conditioning': cond, 'min_conditioning': min(cond) if cond else None, 'recycles': []}
    mismatch = []
    for r in range(R + 1):
        groups, keys = compare(tf, dm_out[r], 'r%d/' % r, '')
        result['recycles'].append({'groups': groups, 'keys': keys})
        bad = [g for g, e in groups.items() if not e <= TOL[g]]
        if bad:
            first = next((k for k in FLOW if not keys.get(k, 0.0) <= TOL['representations' if 'repr' in k else 'positions']), None)
            mismatch.append({'recycle': r, 'groups': bad, 'first_in_flow': first})
    result['mismatch'] = mismatch
    fgroups, fkeys = compare(free, dm_out[R], '', '')
    result['free'] = {'groups': fgroups, 'keys': fkeys}
    free_bad = [g for g, e in fgroups.items() if not e <= TOL[g] * 10]
    # Ill-conditioned: some recycled pseudo-β distance² is within the fixed
    # threshold of a recycling-distogram edge, or within 8·e·ε of it, four
    # times the change of d² that this recycle's teacher-forced position
    # error ε (on both ends of the distance) can make at the largest edge e.
    need = [max(args.ill_threshold, 8 * spec['prev_pos_max'] *
                result['recycles'][r]['keys'].get('structure_module/final_atom_positions', 0.0))
            for r in range(R)]
    result['conditioning_needed'] = need
    ill = any(c < n for c, n in zip(cond, need))
    if mismatch:
        ill = False   # judged by the teacher-forced mismatch, not by chaos
    result['free_status'] = 'ok' if not free_bad else ('ill-conditioned' if ill else 'mismatch')
    result['ill_conditioned'] = ill
    xc = os.path.join(work, 'template-crosscheck.json')
    if os.path.exists(xc):
        with open(xc) as f:
            result['template_crosscheck'] = json.load(f)
    result['seconds_foldlight'] = round(time.time() - t0, 2)
    return result




def keep_case(dst, spec, result, work, versions):
    """A golden-format case folder (what tests/engine-golden.c reads)."""
    os.makedirs(dst, exist_ok=True)
    R = spec['num_recycle']
    dm_out = load_reference(spec, work)
    with np.load(os.path.join(work, 'features.npz')) as f:
        np.savez_compressed(os.path.join(dst, 'features.npz'),
                            **{k: f[k] for k in f.files if not k.startswith('debug/')})
    shutil.copy(os.path.join(work, 'params.npz'), os.path.join(dst, 'params.npz'))
    shutil.copy(os.path.join(work, 'config.json'), os.path.join(dst, 'config.json'))
    final_keys = [k for _, k, _ in COMPARE] + [
        'structure_module/final_atom_mask', 'structure_module/final_atom14_mask',
        'structure_module/final_affines', 'structure_module/traj', 'distogram/bin_edges',
        'predicted_aligned_error/breaks', 'confidence/max_predicted_aligned_error',
        'structure_module/sidechains/unnormalized_angles_sin_cos']
    np.savez_compressed(os.path.join(dst, 'outputs.npz'),
                        **{k: dm_out[R][k] for k in final_keys if k in dm_out[R]})
    rec = {}
    for r in range(R + 1):
        for k in PER_RECYCLE:
            if not (k == 'representations/pair' and r == R):
                rec['r%d/%s' % (r, k)] = dm_out[r][k]
        rec['r%d/plddt' % r] = dm_out[r]['confidence/plddt']
        if 'confidence/ptm' in dm_out[r]:
            rec['r%d/ptm' % r] = dm_out[r]['confidence/ptm']
    np.savez_compressed(os.path.join(dst, 'recycles.npz'), **rec)
    meta = {'spec': spec, 'num_recycle': R, 'conditioning': result['conditioning'],
            'conditioning_needed': result['conditioning_needed'],
            'ill_conditioned': result['ill_conditioned'], 'made_by': 'tools/difftest.py',
            'deepmind': versions, 'matmul_precision': 'highest', 'device': 'cpu'}
    with open(os.path.join(dst, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    return sum(os.path.getsize(os.path.join(dst, n)) for n in os.listdir(dst))


# ---------------------------------------------------------------- report


def report(results, seconds, ill_threshold):
    lines = ['Differential test: %d cases, %.0f s' % (len(results), seconds)]
    groups = [g for g in TOL]
    worst = {g: (0.0, '') for g in groups}
    per_recycle = {}
    for res in results:
        for r, rec in enumerate(res['recycles']):
            for g, e in rec['groups'].items():
                if e >= worst[g][0]:
                    worst[g] = (e, '%s r%d' % (res['name'], r))
                per_recycle.setdefault(r, {}).setdefault(g, 0.0)
                per_recycle[r][g] = max(per_recycle[r][g], e)
    unit = {'positions': 'Å abs', 'plddt': 'abs', 'pae': 'Å abs', 'ptm': 'abs',
            'representations': 'rel', 'logits': 'rel', 'angles': 'rel'}
    lines.append('Worst teacher-forced error per output (tolerance):')
    for g in groups:
        lines.append('  %-16s %.3g %s (%g)  at %s' % (g, worst[g][0], unit[g], TOL[g], worst[g][1]))
    lines.append('Worst teacher-forced error per recycle:')
    lines.append('  recycle  ' + '  '.join('%-10s' % g[:10] for g in groups))
    for r in sorted(per_recycle):
        lines.append('  %-7d  ' % r + '  '.join('%-10.3g' % per_recycle[r].get(g, 0.0) for g in groups))
    mism = [res for res in results if res['mismatch']]
    lines.append('Teacher-forced mismatches: %d%s' % (len(mism), ''.join(
        '\n  %s: %s' % (res['name'], res['mismatch']) for res in mism)))
    ill = [res for res in results if res['ill_conditioned']]
    lines.append('Ill-conditioned free runs (min |d²-edge²| < max(%g Å², 8·e·ε)): %d%s' % (
        ill_threshold, len(ill), ''.join('\n  %s: min %.3g Å² (free run %s)' % (
            res['name'], res['min_conditioning'], res['free_status']) for res in ill)))
    free_bad = [res for res in results if res['free_status'] == 'mismatch']
    lines.append('Free-run mismatches on well-conditioned cases: %d%s' % (len(free_bad), ''.join(
        '\n  %s: %s' % (res['name'], {g: '%.3g' % e for g, e in res['free']['groups'].items()})
        for res in free_bad)))
    tmpl = [res for res in results if res['spec'].get('templates')]
    if tmpl:
        xcs = [res.get('template_crosscheck') for res in tmpl]
        found = ['\n  %s: %s' % (res['name'], f) for res in tmpl
                 for f in (res.get('template_crosscheck') or {}).get('findings', [])]
        lines.append('Template cases: %d; mmCIF templates cross-checked against DeepMind\'s '
                     'templates.py: %s; differences: %d%s' % (
                         len(tmpl), sum(x['checked'] for x in xcs if x) if any(xcs) else
                         'not run (no Biopython)', len(found), ''.join(found)))
    conds = sorted(res['min_conditioning'] for res in results if res['min_conditioning'] is not None)
    if conds:
        lines.append('Conditioning (min |d²-edge²| over recycles), median %.3g Å², smallest %.3g Å²'
                     % (conds[len(conds) // 2], conds[0]))
    return '\n'.join(lines)


def write_report(args, results, seconds):
    """report.json and report.txt in --work (rewritten after every case)."""
    text = report(results, seconds, args.ill_threshold)
    with open(os.path.join(args.work, 'report.json'), 'w') as f:
        json.dump(results, f, indent=1, default=float)
    with open(os.path.join(args.work, 'report.txt'), 'w') as f:
        f.write(text + '\n')
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--alphafold', default=os.environ.get('FL_ALPHAFOLD_SRC'),
                    help="DeepMind's alphafold source checkout (the folder holding alphafold/)")
    ap.add_argument('--cli', default='build/app/foldlight-cli')
    ap.add_argument('--cases', type=int, default=20)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--work', default='/tmp/fl-difftest')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--max-length', type=int, default=70,
                    help='clip the drawn sequence length (small cases to keep)')
    ap.add_argument('--templates', action='store_true',
                    help='every case with templates (by default about 40 %% of cases)')
    ap.add_argument('--ill-threshold', type=float, default=1e-3, help='Å²')
    ap.add_argument('--keep', help='write well-conditioned cases as golden-format folders here')
    ap.add_argument('--keep-max', type=int, default=0)
    ap.add_argument('--keep-bytes', type=int, default=250_000,
                    help='keep only cases whose folder is at most this many bytes')
    ap.add_argument('--keep-only', help='comma-separated case names: keep only these')
    ap.add_argument('--only', help='comma-separated case names: run only these (the rest are drawn and skipped)')
    ap.add_argument('--recheck', action='store_true',
                    help="rerun only Foldlight on the cases already in --work (same --seed, --cases)")
    args = ap.parse_args()
    if not args.recheck and not args.alphafold or args.alphafold and not os.path.isdir(os.path.join(args.alphafold, 'alphafold', 'model')):
        ap.error('--alphafold must name a checkout of google-deepmind/alphafold (holding alphafold/model)')
    if not os.access(args.cli, os.X_OK):
        ap.error('--cli %s is not an executable foldlight-cli' % args.cli)
    # (with --recheck --keep, DeepMind's code is loaded only for its versions)
    dm = None if args.recheck and not (args.keep and args.alphafold) else DeepMind(args.alphafold)
    rng = np.random.default_rng(args.seed)
    results, kept = [], 0
    t0 = time.time()
    for i in range(args.cases):
        spec = draw_spec(rng, i, args.max_length, True if args.templates else None)
        spec['name'] = 's%d-%s' % (args.seed, spec['name'])
        work = os.path.join(args.work, spec['name'])
        if args.only and spec['name'] not in args.only.split(','):
            continue
        t1 = time.time()
        try:
            if not args.recheck:
                deepmind_side(dm, args, spec, work)
            elif not os.path.exists(os.path.join(work, 'reference-r%d.npz' % spec['num_recycle'])):
                continue
            else:
                with open(os.path.join(work, 'spec.json')) as f:
                    spec = json.load(f)   # as written (with the template files)
            res = foldlight_side(args, spec, work)
        except Exception as e:  # a failure of either side is a finding: record it
            res = {'name': spec['name'], 'spec': spec, 'error': repr(e), 'recycles': [],
                   'mismatch': [{'error': repr(e)}], 'ill_conditioned': False,
                   'min_conditioning': None, 'free_status': 'error', 'free': {'groups': {}}}
            print('%s: ERROR %s' % (spec['name'], e), flush=True)
            results.append(res)
            continue
        res['seconds'] = round(time.time() - t1, 2)
        results.append(res)
        tfw = max((rec['groups'].get('positions', 0.0) for rec in res['recycles']), default=0)
        print('%s: L=%d depth=%d R=%d ptm=%s T=%s  tf pos %.2g Å  cond %s  free %s  %.1fs' % (
            spec['name'], spec['L'], spec['depth'], spec['num_recycle'], spec['ptm'],
            spec['templates']['max_templates'] if spec.get('templates') else 0, tfw,
            '%.3g' % res['min_conditioning'] if res['min_conditioning'] is not None else '-',
            res['free_status'], res['seconds']), flush=True)
        wanted = not args.keep_only or spec['name'] in args.keep_only.split(',')
        if (args.keep and wanted and kept < args.keep_max and not res['mismatch']
                and not res['ill_conditioned']):
            dst = os.path.join(args.keep, spec['name'])
            size = keep_case(dst, spec, res, work, dm.versions if dm else {})
            if size > args.keep_bytes:
                shutil.rmtree(dst)
            else:
                kept += 1
        write_report(args, results, time.time() - t0)
    print(write_report(args, results, time.time() - t0))
    return 1 if any(res['mismatch'] for res in results) else 0


if __name__ == '__main__':
    sys.exit(main())
