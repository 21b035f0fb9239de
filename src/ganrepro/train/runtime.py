"""How a training step runs, as opposed to what it computes: runtime knobs with safe defaults.

None of them is a setting of the run (none enters the config hash). The defaults change results
only by float reassociation (a different order of the same sums); ``autocast``, ``compile``
and ``tf32`` (which round beyond that) are off by default. The knobs in force are recorded
in ``train.json`` (``runtime``).

Pass them as ``ganrepro train --runtime autocast=bf16 --runtime compile=true`` or, for every
training job of the workflow, in the environment: ``GANREPRO_RUNTIME=autocast=bf16,compile=true
snakemake ...`` (the workflow checks it when it loads; a knob is not a setting, so changing it
reruns nothing).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where it is used: the workflow reads this module too
    import torch
    from torch import nn

RUNTIME_ENV = "GANREPRO_RUNTIME"
AUTOCAST = {"none": None, "bf16": "bfloat16"}  # torch dtypes by name


@dataclass(frozen=True)
class Runtime:
    # Adam's fused kernel (one pass over each parameter, CPU and CUDA); RMSprop's foreach path
    fused_optim: bool = True
    # conv nets in NHWC (channels-last), the layout oneDNN and cuDNN prefer
    channels_last: bool = True
    # one critic pass over [real; fake] instead of two, where the critic treats each sample on
    # its own (no BatchNorm, no dropout: then the two are equal up to reassociation)
    joint_critic: bool = True
    # "bf16": the networks' matmuls and convs in bfloat16; the gradient penalty and every loss
    # stay in fp32 (no fp16: it would need loss scaling, which the penalty's double backward
    # complicates)
    autocast: str = "none"
    # torch.compile the generator and the critic (CUDA graphs are the compiler's to use)
    compile: bool = False
    # TF32 matmuls and convs on CUDA (no effect on the CPU). Off: PyTorch's own defaults, which
    # already allow TF32 in cuDNN convolutions but not in matmuls
    tf32: bool = False
    # logged values leave the device every this many steps (one transfer, not one per value)
    log_every: int = 25

    def __post_init__(self):
        if self.autocast not in AUTOCAST:
            raise ValueError(f"runtime autocast={self.autocast!r}: one of {', '.join(AUTOCAST)}")
        if self.log_every < 1:
            raise ValueError(f"runtime log_every={self.log_every}: at least 1")

    @classmethod
    def parse(cls, items: list[str] | str | None) -> Runtime:
        """``["key=value", ...]`` (or one comma-separated string) -> Runtime; an unknown key or a
        bad value is one error naming it."""
        if not items:
            return cls()
        if isinstance(items, str):
            items = [i for i in items.split(",") if i.strip()]
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        values = {}
        for item in items:
            key, sep, raw = item.partition("=")
            key, raw = key.strip(), raw.strip()
            if not sep or key not in types:
                raise ValueError(
                    f"runtime {item!r}: expected key=value with key one of {', '.join(types)}"
                )
            if types[key] == "bool":
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    raise ValueError(f"runtime {key}={raw!r}: true or false")
                values[key] = raw.lower() in ("true", "1", "yes", "on")
            elif types[key] == "int":
                try:
                    values[key] = int(raw)
                except ValueError:
                    raise ValueError(f"runtime {key}={raw!r}: an integer") from None
            else:
                values[key] = raw
        return cls(**values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def autocast_to(self, device: torch.device):
        """The autocast context of the networks' forward passes (disabled with "none")."""
        import torch

        name = AUTOCAST[self.autocast]
        dtype = getattr(torch, name or "bfloat16")
        return torch.autocast(device.type, dtype=dtype, enabled=name is not None)

    def prepare(self, net: nn.Module, device: torch.device) -> nn.Module:
        """``net`` in the memory format asked for (conv nets only)."""
        import torch
        from torch import nn

        if self.channels_last and any(
            isinstance(m, nn.Conv2d | nn.ConvTranspose2d) for m in net.modules()
        ):
            net.to(memory_format=torch.channels_last)
        if device.type == "cuda" and self.tf32:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        return net

    def forward(self, net: nn.Module):
        """The callable to run ``net`` through: compiled when asked (its parameters and state
        dict stay ``net``'s own)."""
        import torch

        return torch.compile(net) if self.compile else net


def floats(logs: dict) -> dict:
    """Logged values as Python floats, the tensors among them fetched in one transfer."""
    import torch
    from torch import Tensor

    keys = [k for k, v in logs.items() if isinstance(v, Tensor)]
    out = {k: float(v) for k, v in logs.items() if not isinstance(v, Tensor)}
    if keys:
        values = torch.stack([logs[k].detach().float().reshape(()) for k in keys]).tolist()
        out.update(zip(keys, values, strict=True))
    return {k: out[k] for k in logs}


def per_sample(net: nn.Module) -> bool:
    """True when ``net`` (in training mode) treats each sample of a batch on its own: no
    BatchNorm (batch statistics) and no dropout (a mask drawn per call)."""
    from torch import nn

    return not any(
        isinstance(m, nn.modules.batchnorm._BatchNorm | nn.Dropout) for m in net.modules()
    )
