#!/usr/bin/env python3
"""Differential testing of Foldlight against DeepMind's AlphaFold2 monomer code.

Draws random small AlphaFold2 configurations (widths, head counts, block
counts, IPA sizes, structure-module layers, bins, sequence length, MSA depth,
recycles, with and without the _ptm head), runs DeepMind's official model on
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
    git clone https://github.com/google-deepmind/alphafold /tmp/alphafold-src
    /tmp/afvenv/bin/python tools/difftest.py --alphafold /tmp/alphafold-src \
        --cli build/app/foldlight-cli --cases 40 --seed 1 --work /tmp/difftest

(PyPI has no alphafold 2.3 package, only 2.0.0; give the source checkout
with --alphafold or $FL_ALPHAFOLD_SRC.) --keep DIR --keep-max N writes the
first N small, well-conditioned cases as golden-format folders (the
`difftest` test runs them).
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


def draw_spec(rng, index, max_length=70):
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
    return {
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


def alphafold_config(spec, af_config):
    cfg = af_config.model_config('model_3_ptm' if spec['ptm'] else 'model_3')
    R = spec['num_recycle']
    cfg.data.common.num_recycle = R
    cfg.data.common.max_extra_msa = spec['max_extra_msa']
    cfg.data.eval.max_msa_clusters = spec['max_msa_clusters']
    cfg.data.common.use_templates = False
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
    ee.template.enabled = False
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
        stacked = 'evoformer_iteration' in scope or 'extra_msa_stack' in scope
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
        from alphafold.model import config as af_config
        from alphafold.model import folding, modules
        self.jax, self.hk = jax, hk
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
    cli(args, ['features', '--a3m', os.path.join(work, 'input.a3m'), '--deterministic',
               '--max-msa-clusters', str(spec['max_msa_clusters']),
               '--max-extra-msa', str(spec['max_extra_msa']), '--out', feats_path])
    with np.load(feats_path) as f:
        batch = {k: f[k] for k in f.files if not k.startswith('debug/')}
    cfg = alphafold_config(spec, dm.af_config)
    L, ee = spec['L'], cfg.model.embeddings_and_evoformer
    zeros = {'prev_pos': np.zeros((L, 37, 3), np.float32),
             'prev_msa_first_row': np.zeros((L, ee.msa_channel), np.float32),
             'prev_pair': np.zeros((L, L, ee.pair_channel), np.float32)}
    fn = dm.build(cfg)
    params = param_values(dm.param_shapes(fn, batch, zeros), spec['param_seed'])
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
    ap.add_argument('--ill-threshold', type=float, default=1e-3, help='Å²')
    ap.add_argument('--keep', help='write well-conditioned cases as golden-format folders here')
    ap.add_argument('--keep-max', type=int, default=0)
    ap.add_argument('--keep-bytes', type=int, default=250_000,
                    help='keep only cases whose folder is at most this many bytes')
    ap.add_argument('--recheck', action='store_true',
                    help="rerun only Foldlight on the cases already in --work (same --seed, --cases)")
    args = ap.parse_args()
    if not args.recheck and not args.alphafold or args.alphafold and not os.path.isdir(os.path.join(args.alphafold, 'alphafold', 'model')):
        ap.error('--alphafold must name a checkout of google-deepmind/alphafold (holding alphafold/model)')
    if not os.access(args.cli, os.X_OK):
        ap.error('--cli %s is not an executable foldlight-cli' % args.cli)
    dm = None if args.recheck else DeepMind(args.alphafold)
    rng = np.random.default_rng(args.seed)
    results, kept = [], 0
    t0 = time.time()
    for i in range(args.cases):
        spec = draw_spec(rng, i, args.max_length)
        spec['name'] = 's%d-%s' % (args.seed, spec['name'])
        work = os.path.join(args.work, spec['name'])
        t1 = time.time()
        try:
            if not args.recheck:
                deepmind_side(dm, args, spec, work)
            elif not os.path.exists(os.path.join(work, 'reference-r%d.npz' % spec['num_recycle'])):
                continue
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
        print('%s: L=%d depth=%d R=%d ptm=%s  tf pos %.2g Å  cond %s  free %s  %.1fs' % (
            spec['name'], spec['L'], spec['depth'], spec['num_recycle'], spec['ptm'], tfw,
            '%.3g' % res['min_conditioning'] if res['min_conditioning'] is not None else '-',
            res['free_status'], res['seconds']), flush=True)
        if args.keep and kept < args.keep_max and not res['mismatch'] and not res['ill_conditioned']:
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
