"""Python peer of bugforge's merge stage, for bench/filter-merge.ts: pandas + scikit-learn on the
same store — real rows and the filter's kept synthetic rows read into DataFrames, a stratified
80/10/10 split of the real rows (label × source) by train_test_split, each synthetic row in its
origin's split (dropped from validation/test), written as JSONL.gz and CSV per split. Prints one
JSON line of figures.

    python bench/peers/merge_peer.py <store dir> <run prefix> [--seed 42]
"""
import argparse, os, resource, sys, time, json

import pandas as pd
from sklearn.model_selection import train_test_split


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('store'); ap.add_argument('prefix'); ap.add_argument('--seed', type=int, default=42)
    a = ap.parse_args()
    started, cpu0 = time.time(), time.process_time()
    root = os.path.join(a.store, a.prefix)
    real = pd.concat([pd.read_json(os.path.join(root, '01-analyze', 'dataset', f'{s}.jsonl.gz'), lines=True, dtype={'commit_id': str})
                      for s in ('train', 'validation', 'test')], ignore_index=True)
    syn = pd.read_json(os.path.join(root, '03-filter', 'synthetic_filtered.jsonl.gz'), lines=True, dtype={'commit_id': str})
    strata = real['label'].astype(str) + '|' + real['source']
    train, rest = train_test_split(real, test_size=0.2, stratify=strata, random_state=a.seed)
    val, test = train_test_split(rest, test_size=0.5, stratify=strata.loc[rest.index], random_state=a.seed)
    split_of = pd.concat([pd.Series('train', index=train['id']), pd.Series('validation', index=val['id']), pd.Series('test', index=test['id'])])
    syn['split'] = syn['origin_id'].map(split_of)
    syn = syn[syn['split'] == 'train']
    rows = len(real) + len(syn)
    out = os.path.join(a.store, 'peer_merge'); os.makedirs(out, exist_ok=True)
    columns = ['id', 'label', 'lang', 'source', 'project', 'commit_id', 'origin_id', 'bug_type', 'split', 'func']
    for name, part in (('train', pd.concat([train.assign(split='train'), syn], ignore_index=True)), ('val', val.assign(split='validation')), ('test', test.assign(split='test'))):
        part.to_json(os.path.join(out, f'final_{name}.jsonl.gz'), orient='records', lines=True, compression={'method': 'gzip', 'compresslevel': 1})
        part.reindex(columns=columns).to_csv(os.path.join(out, f'final_{name}.csv'), index=False)
    cpu = time.process_time() - cpu0
    print(json.dumps({'peer': 'pandas + scikit-learn', 'rows': rows, 'seconds': time.time() - started, 'cpuSeconds': cpu,
                      'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == '__main__':
    sys.exit(main())
