# Configuration: loaded into frozen dataclasses and validated against the JSON schema before
# any rule runs. A malformed params.yaml stops here with one message naming the key.
from snakemake.utils import validate

from ganrepro.config import ParamsError, parse_params

try:
    PARAMS = parse_params(config)  # schema + semantic rules, one readable message
except ParamsError as err:
    raise WorkflowError(f"params.yaml: {err}") from None
validate(config, "../schemas/params.schema.json")

SCALE = PARAMS.scale
# Every ganrepro command reads the same file at the same scale as the workflow.
PARAMS_ARGS = f"--params params.yaml --scale {SCALE}"


wildcard_constraints:
    source=r"[a-z][a-z0-9_]*",
    run=r"[a-z][a-z0-9_]*",
    dataset=r"[a-z][a-z0-9_]*",


localrules:
    prepare_data,
