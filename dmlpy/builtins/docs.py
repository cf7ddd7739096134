"""Generates docs/builtins.md: every builtin of SystemDS 3.4 (native, parser-level and DML-bodied)
with dmlpy's status, read from the builtin registry and the shipped scripts/builtin folder.

    python -m dmlpy.builtins.docs            # rewrites docs/builtins.md
    python -m dmlpy.builtins.docs --check    # exit 1 when docs/builtins.md is out of date

The lists of SystemDS 3.4's builtin names below are facts recorded from its release (the Builtins
enum of 3.4.0 and the function names its parser handles itself); nothing else of SystemDS is needed,
so the generator runs where the reference is not installed.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

# SystemDS 3.4's native builtins: the Builtins enum entries that have no DML script.
SYSTEMDS_NATIVE = (
    'abs', 'acos', 'applySchema', 'asin', 'atan', 'avg_pool', 'avg_pool_backward', 'batch_norm2d',
    'batch_norm2d_backward', 'bias_add', 'bias_multiply', 'bitwAnd', 'bitwOr', 'bitwXor',
    'bitwShiftL', 'bitwShiftR', 'as.logical', 'as.double', 'as.frame', 'as.integer', 'as.list',
    'as.matrix', 'as.scalar', 'cbind', 'ceil', 'cholesky', 'colCountDistinct', 'colMaxs',
    'colMeans', 'colMins', 'colnames', 'colProds', 'colSds', 'colSums', 'colVars', 'compress',
    'quantize_compress', 'conv2d', 'conv2d_backward_filter', 'conv2d_backward_data', 'cos', 'cosh',
    'cov', 'cummax', 'cummin', 'cumprod', 'cumsum', 'cumsumprod', 'decompress', 'det',
    'detectSchema', 'diag', 'dropInvalidType', 'dropInvalidLength', 'eigen', 'exists', 'exp',
    'eval', 'evalList', 'fft', 'fft_linearized', 'floor', 'freplicate', 'getCategoricalMask',
    'ifelse', 'ifft', 'ifft_linearized', 'interQuantile', 'inv', 'interQuartileMean', 'is.na',
    'is.nan', 'is.infinite', 'length', 'lineage', 'list', 'local', 'log', 'lstm', 'lstm_backward',
    'lu', 'map', 'max', 'max_pool', 'max_pool_backward', 'mean', 'median', 'min', 'moment', 'ncol',
    'nrow', 'outer', 'ppred', 'prod', 'qr', 'quantile', 'range', 'rbind', 'rowClassMeet', 'remove',
    'rev', 'roll', 'round', 'rowCountDistinct', 'rowcumsum', 'rowIndexMax', 'rowIndexMin',
    'rowMaxs', 'rowMeans', 'rowMins', 'rowProds', 'rowSds', 'rowSums', 'rowVars', 'sample', 'sd',
    'seq', 'sign', 'sin', 'sinh', 'solve', 'stft', 'sqrt', 'sqrtMatrixJava', 'sum', 'svd', 'table',
    'tan', 'tanh', 'trace', 't', 'typeof', 'var', 'valueSwap', 'xor', 'autoDiff', 'cdf',
    'contains', 'countDistinct', 'countDistinctApprox', 'rowCountDistinctApprox',
    'colCountDistinctApprox', 'aggregate', 'icdf', 'lower.tri', 'order', 'paramserv', 'pchisq',
    'pexp', 'pf', 'pnorm', 'pt', 'qchisq', 'qexp', 'qf', 'qnorm', 'qt', 'replace', 'removeEmpty',
    'time', 'tokenize', 'toString', 'transformapply', 'transformcolmap', 'transformdecode',
    'transformencode', 'transformmeta', 'unique', 'upper.tri', 'einsum',
)

# Functions SystemDS 3.4's parser handles itself (data expressions and statements), outside the enum.
SYSTEMDS_PARSER = ('read', 'readMM', 'read.csv', 'write', 'rand', 'matrix', 'frame', 'tensor', 'sql',
                   'federated', 'print', 'stop', 'assert', 'ifdef')

# SystemDS 3.4's DML-bodied builtins: the Builtins enum entries backed by scripts/builtin/<name>.dml.
SYSTEMDS_DML = (
    'abstain', 'adasyn', 'als', 'alsCG', 'alsDS', 'alsPredict', 'alsTopkPredict', 'ampute',
    'apply_pipeline', 'arima', 'auc', 'autoencoder_2layer', 'bandit', 'bivar', 'components',
    'confusionMatrix', 'cooccurrenceMatrix', 'cor', 'correctTypos', 'correctTyposApply', 'cox',
    'cspline', 'csplineCG', 'csplineDS', 'dbscan', 'dbscanApply', 'decisionTree',
    'decisionTreePredict', 'dedup', 'deepWalk', 'denialConstraints', 'differenceStatistics',
    'discoverFD', 'mdedup', 'setdiff', 'dist', 'dmv', 'ema', 'executePipeline', 'f1Score', 'fdr',
    'fit_pipeline', 'fixInvalidLengths', 'fixInvalidLengthsApply', 'ffTrain', 'ffPredict',
    'flattenQuantile', 'frameSort', 'frequencyEncode', 'frequencyEncodeApply', 'garch',
    'gaussianClassifier', 'getAccuracy', 'glm', 'glmPredict', 'glove', 'gmm', 'gmmPredict', 'gnmf',
    'gridSearch', 'topk_cleaning', 'hospitalResidencyMatch', 'hyperband', 'img_mirror',
    'img_mirror_linearized', 'img_brightness', 'img_brightness_linearized', 'img_crop',
    'img_crop_linearized', 'img_transform', 'img_transform_linearized', 'img_translate',
    'img_translate_linearized', 'img_rotate', 'img_rotate_linearized', 'img_shear',
    'img_shear_linearized', 'img_cutout', 'img_cutout_linearized', 'img_sample_pairing',
    'img_sample_pairing_linearized', 'img_invert', 'img_invert_linearized', 'img_posterize',
    'img_posterize_linearized', 'impurityMeasures', 'imputeByKNN', 'imputeByMean',
    'imputeByMeanApply', 'imputeByMedian', 'imputeByMedianApply', 'imputeByMode',
    'imputeByModeApply', 'imputeByFD', 'imputeByFDApply', 'incSliceLine', 'intersect',
    'independentSubnetTrain', 'km', 'kmeans', 'kmeansPredict', 'knnbf', 'knnGraph', 'knn', 'l2svm',
    'l2svmPredict', 'lasso', 'lenetTrain', 'lenetPredict', 'lm', 'lmCG', 'lmDS', 'lmPredict',
    'lmPredictStats', 'logSumExp', 'matrixProfile', 'mcc', 'mae', 'mape', 'mice', 'miceApply',
    'mse', 'msmape', 'msvm', 'msvmPredict', 'multiLogReg', 'multiLogRegPredict', 'na_locf',
    'naiveBayes', 'naiveBayesPredict', 'normalize', 'normalizeApply', 'nrmse', 'outlier',
    'outlierByArima', 'outlierByIQR', 'outlierByIQRApply', 'outlierBySd', 'outlierBySdApply',
    'pageRank', 'pca', 'pcaInverse', 'pcaTransform', 'pnmf', 'ppca', 'psnr', 'quantizeByCluster',
    'randomForest', 'randomForestPredict', 'raGroupby', 'raJoin', 'raSelection', 'rmse',
    'selectByVarThresh', 'ses', 'symmetricDifference', 'shapExplainer', 'sherlock',
    'sherlockPredict', 'shortestPath', 'sigmoid', 'slicefinder', 'sliceLine', 'sliceLineDebug',
    'sliceLineExtract', 'skewness', 'smape', 'smote', 'softmax', 'split', 'splitBalanced',
    'stableMarriage', 'statsNA', 'stratstats', 'steplm', 'sqrtMatrix', 'toOneHot', 'tomeklink',
    'tSNE', 'univar', 'union', 'vectorToCsv', 'wer', 'winsorize', 'winsorizeApply', 'WoE',
    'WoEApply', 'xgboost', 'xgboostPredict', 'xgboostPredictRegression',
    'xgboostPredictClassification', 'cvlm', 'scale', 'scaleApply', 'scaleRobust',
    'scaleRobustApply', 'scaleMinMax', 'underSampling', 'xdummy1', 'xdummy2',
)

# Second spellings SystemDS 3.4 accepts for the same builtin.
SYSTEMDS_ALIASES = {
    'as.logical': 'as.boolean', 'as.scalar': 'castAsScalar', 'cbind': 'append', 'ceil': 'ceiling',
    'fdr': 'FDR', 'inv': 'inverse', 'is.na': 'isNA', 'is.nan': 'isNaN', 'is.infinite': 'isInf',
    'max': 'pmax', 'mean': 'avg', 'min': 'pmin', 'moment': 'centralMoment', 'rowClassMeet': 'rcm',
    'table': 'ctable', 'trace': 'tr', 'aggregate': 'groupedAggregate',
}

# Handled by dmlpy's compiler rather than the registry.
SPECIAL = {"ifdef": "compiler", "exists": "compiler", "eval": "compiler"}

# Why a native or parser-level builtin is not implemented.
NOT_IMPLEMENTED = {
    "compress": "compression is a SystemDS storage optimisation; dmlpy keeps dense NumPy arrays",
    "decompress": "compression is a SystemDS storage optimisation; dmlpy keeps dense NumPy arrays",
    "quantize_compress": "compression is a SystemDS storage optimisation",
    "lineage": "lineage tracing is a SystemDS runtime feature",
    "local": "federated-data helper; dmlpy has no federated backend",
    "federated": "dmlpy has no federated backend",
    "sql": "reads from a JDBC database, which a DML script in dmlpy cannot reach",
    "tensor": "SystemDS's experimental tensor type is not part of dmlpy (matrices and frames only)",
    "autoDiff": "lineage-based automatic differentiation of SystemDS",
    "rowClassMeet": "internal helper of SystemDS's cleaning pipelines",
    "getCategoricalMask": "internal helper of SystemDS's cleaning pipelines",
    "transformmeta": "reads an on-disk transform-metadata folder that nothing in DML 3.4 writes",
    "range": "SystemDS 3.4 itself rejects it (\"Unsupported function RANGE\")",
    "readMM": "not registered; read(file, format=\"mm\") is the supported spelling",
    "read.csv": "SystemDS 3.4's lexer cannot tokenise the name (\"token recognition error\"); "
                "read(file, format=\"csv\") is the supported spelling",
}

# Why a DML-bodied builtin is not implemented (else: not yet written in dmlpy's DML).
DML_NOT_IMPLEMENTED = {
    "xdummy1": "a fixture of SystemDS's own error-handling tests: its file defines a differently "
               "named function, so calling it fails in SystemDS too",
    "xdummy2": "a fixture of SystemDS's own error-handling tests: its file defines a differently "
               "named function, so calling it fails in SystemDS too",
    "xgboostPredict": "SystemDS 3.4 declares it but ships no xgboostPredict.dml, so calling it fails "
                      "there too; xgboostPredictClassification and xgboostPredictRegression are "
                      "the working entry points",
}
DEFAULT_REASON = "not yet written in dmlpy's DML"

# Where an implemented builtin knowingly differs from SystemDS 3.4, and why (details in the header
# comment of the dmlpy file).
DIFFERENCES = {
    "bivar": "categorical tables are sized from the largest category of all categorical columns "
             "(SystemDS sizes them from the wrong columns)",
    "cvlm": "with icpt > 0 the coefficient rows get the intercept column (SystemDS fails there)",
    "dedup": "follows the documented intent: SystemDS 3.4 finds no duplicates with its own "
             "tokenizer call and prefixes both results with the first row",
    "denialConstraints": "fewer than three value blocks compare nothing (SystemDS fails)",
    "executePipeline": "a skipped primitive (no columns of its kind) still gets an internalStates "
                       "entry (\"NA\"), so that the entries stay aligned with the pipeline",
    "frameSort": "an all-zero mask sorts the values as numbers (SystemDS fails)",
    "garch": "all three coefficients follow the numerical gradient (SystemDS moves two of them by "
             "their own value); results are random in both",
    "glm": "disp is used for the verbose statistics as documented (SystemDS ignores it and prints NaN)",
    "gridSearch": "cross-validation folds end at their own last row (SystemDS runs every fold to "
                  "the end of the data)",
    "hospitalResidencyMatch": "stops when a pass changes nothing, where SystemDS loops forever",
    "hyperband": "tuned parameters are taken by name (SystemDS takes them by list position, which "
                 "is only right for params = (\"reg\", \"tol\"))",
    "img_crop": "a window starting at row or column 0 leaves the image unchanged with a message "
                "(SystemDS fails)",
    "img_cutout": "a rectangle entirely outside the image leaves it unchanged (SystemDS fails)",
    "incSliceLine": "its encoded lattice is dmlpy's own (SystemDS's cannot be passed in); a level "
                    "whose candidates are all pruned ends the enumeration (SystemDS evaluates one more)",
    "matrixProfile": "ties may pick another position (SystemDS visits the lags in random order)",
    "randomForest": "each tree is told the label's column type correctly when features are "
                    "sampled (SystemDS passes the unsampled types)",
    "shapExplainer": "a given seed also fixes the permutations, so results are reproducible",
    "sliceLine": "a level whose candidates are all pruned ends the enumeration (SystemDS evaluates "
                 "one more, an artefact of table() on empty input)",
    "stableMarriage": "a round in which no proposer can move ends the matching (SystemDS loops forever)",
    "statsNA": "verbose binning pads the last bin when bins does not divide n (SystemDS fails)",
}


def _table_name(name: str) -> str:
    alias = SYSTEMDS_ALIASES.get(name)
    return f"`{name}` (`{alias}`)" if alias else f"`{name}`"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _defines(path: Path, name: str) -> bool:
    """Whether a DML file defines `name` (or m_/f_/s_name, as SystemDS's own files spell it)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return False
    return re.search(rf"^\s*(?:[mfs]_)?{re.escape(name)}\s*=\s*function\b", text,
                     re.MULTILINE | re.IGNORECASE) is not None


# spellings SystemDS 3.4 lists but cannot call
_BROKEN_ALIASES = {"FDR": "SystemDS 3.4 lists the spelling `FDR` but fails on it (it looks for "
                          "scripts/builtin/FDR.dml); both fail alike, `fdr` is the working spelling"}


def _alias_note(name: str, have: set, shipped: set) -> str:
    alias = SYSTEMDS_ALIASES.get(name)
    if alias in _BROKEN_ALIASES:
        return _BROKEN_ALIASES[alias]
    if alias and alias not in have and alias not in shipped:
        return f"the spelling `{alias}` is not registered in dmlpy yet"
    return ""


def collect(builtin_dir: Path | None = None) -> dict:
    """Status of every SystemDS 3.4 builtin: {'native': rows, 'parser': rows, 'dml': rows,
    'extra': names, 'extra_dml': names}; a row is (name, status, note)."""
    from ..source import scripts_dir
    from .registry import all_names, lookup
    have = set(all_names())
    bdir = builtin_dir or (scripts_dir() / "builtin")
    files = {p.stem: p for p in bdir.glob("*.dml")} if bdir.is_dir() else {}
    shipped = {n for n, p in files.items() if _defines(p, n)}
    out: dict = {"native": [], "parser": [], "dml": []}
    for group, names in (("native", SYSTEMDS_NATIVE), ("parser", SYSTEMDS_PARSER)):
        for name in dict.fromkeys(names):
            if name in SPECIAL:
                row = (name, "implemented (native)", f"handled by the {SPECIAL[name]}")
            elif name in have:
                b = lookup(name)
                note = f"registered as `{b.name}`" if b and b.name != name else ""
                row = (name, "implemented (native)", _join(note, _alias_note(name, have, shipped)))
            else:
                row = (name, "not implemented", NOT_IMPLEMENTED.get(name, DEFAULT_REASON))
            out[group].append(row)
    for name in dict.fromkeys(SYSTEMDS_DML):
        diff = DIFFERENCES.get(name, "")
        if name in have:
            extra = " (the shipped DML file is not used)" if name in shipped else ""
            row = (name, "implemented (native)", f"a native builtin in dmlpy{extra}")
        elif name in shipped:
            row = (name, f"implemented (DML, scripts/builtin/{name}.dml)",
                   _join("differs: " + diff if diff else "", _alias_note(name, have, shipped)))
        elif name in files:
            row = (name, "not implemented", f"scripts/builtin/{name}.dml does not define `{name}`")
        else:
            row = (name, "not implemented", DML_NOT_IMPLEMENTED.get(name, DEFAULT_REASON))
        out["dml"].append(row)
    listed = set(SYSTEMDS_NATIVE) | set(SYSTEMDS_PARSER) | set(SYSTEMDS_DML)
    aliases = set(SYSTEMDS_ALIASES.values())
    out["extra"] = sorted((n for n in have if n not in listed and n not in aliases), key=str.lower)
    out["extra_dml"] = sorted((n for n in shipped if n not in listed), key=str.lower)
    return out


def _count(rows) -> int:
    return sum(1 for r in rows if r[1].startswith("implemented"))


def render(builtin_dir: Path | None = None) -> str:
    c = collect(builtin_dir)
    nat, par, dml = c["native"], c["parser"], c["dml"]
    dml_shipped = sum(1 for r in dml if r[1].startswith("implemented (DML"))
    dml_native = sum(1 for r in dml if r[1] == "implemented (native)")
    summary = (f"**Summary:** native builtins {_count(nat)}/{len(nat)} implemented; parser-level "
               f"functions {_count(par)}/{len(par)}; DML-bodied builtins {dml_shipped}/{len(dml)} "
               f"shipped in `scripts/builtin/`" + (f" (+{dml_native} native)" if dml_native else "")
               + f"; {sum(1 for r in dml if r[0] in DIFFERENCES and r[1].startswith('implemented'))}"
               f" with a documented difference.")
    lines = [
        "# Builtin functions",
        "",
        "Generated by `python -m dmlpy.builtins.docs` from dmlpy's builtin registry and its",
        "`scripts/builtin/` folder; do not edit by hand. Every builtin of SystemDS 3.4 is listed.",
        "",
        summary,
        "",
        "Statuses: *implemented (native)*: in dmlpy's builtin registry (Python); *implemented (DML, ...)*:",
        "written in dmlpy's own DML under `scripts/builtin/` (found on the builtin search path;",
        "`DMLPY_BUILTIN_PATH` or `--builtin-path` puts other folders, such as SystemDS's own",
        "`scripts/builtin`, in front of it); *not implemented*: with the reason. A second spelling",
        "SystemDS accepts is shown in parentheses. Known differences from SystemDS 3.4 are given with",
        "their reason; the header comment of each DML file has the details.",
        "",
    ]

    def table(title, rows):
        lines.extend([f"## {title}", "", "| builtin | status | notes |", "|---|---|---|"])
        for name, status, note in sorted(rows, key=lambda r: r[0].lower()):
            lines.append(f"| {_table_name(name)} | {status} | {note} |")
        lines.append("")

    table(f"Native builtins ({_count(nat)} of {len(nat)} implemented)", nat)
    table(f"Parser-level functions ({_count(par)} of {len(par)} implemented)", par)
    table(f"DML-bodied builtins ({dml_shipped} of {len(dml)} shipped)", dml)
    if c["extra"]:
        lines += ["## dmlpy additions", "",
                  "Also registered (aliases and builtins SystemDS 3.4 does not have): "
                  + ", ".join(f"`{n}`" for n in c["extra"]), ""]
    if c["extra_dml"]:
        lines += ["DML files in `scripts/builtin/` that are not SystemDS 3.4 builtins: "
                  + ", ".join(f"`{n}`" for n in c["extra_dml"]), ""]
    return "\n".join(lines)


def doc_path() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "builtins.md"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out = doc_path()
    text = render()
    if "--check" in argv:
        if not out.exists() or out.read_text() != text:
            print(f"{out} is out of date: run python -m dmlpy.builtins.docs", file=sys.stderr)
            return 1
        print(f"{out} is up to date")
        return 0
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
