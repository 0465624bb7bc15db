"""GPU memory and utilisation per process through NVML (nvidia-ml-py), when there is a GPU."""

from __future__ import annotations

from typing import Any


class GpuSampler:
    """GPU memory and utilisation per pid through NVML; `open()` is None without a usable GPU."""

    def __init__(self, nvml: Any, handles: list[Any]) -> None:
        self._nvml = nvml
        self._handles = handles
        self._last_seen = [0] * len(handles)

    @classmethod
    def open(cls) -> GpuSampler | None:
        try:
            import pynvml as nvml

            nvml.nvmlInit()
            handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
        except Exception:  # no library, no driver, no device: GPU sampling is simply off
            return None
        return cls(nvml, handles) if handles else None

    def sample(self) -> tuple[dict[int, dict[str, float]], list[dict[str, float]]]:
        """({pid: {"gpu_memory_bytes", "gpu_util_percent"}}, [per device {"util", "memory_used"}])."""
        per_pid: dict[int, dict[str, float]] = {}
        devices: list[dict[str, float]] = []
        for index, handle in enumerate(self._handles):
            try:
                rates = self._nvml.nvmlDeviceGetUtilizationRates(handle)
                memory = self._nvml.nvmlDeviceGetMemoryInfo(handle)
                devices.append({"util_percent": float(rates.gpu), "memory_used_bytes": float(memory.used)})
                running = list(self._nvml.nvmlDeviceGetComputeRunningProcesses(handle))
                running += list(self._nvml.nvmlDeviceGetGraphicsRunningProcesses(handle))
            except Exception:
                continue
            for proc in running:
                entry = per_pid.setdefault(proc.pid, {"gpu_memory_bytes": 0.0})
                entry["gpu_memory_bytes"] += float(proc.usedGpuMemory or 0)
            try:
                utils = self._nvml.nvmlDeviceGetProcessUtilization(handle, self._last_seen[index])
            except Exception:  # NVML answers NotFound when no process ran since the last call
                continue
            for util in utils:
                self._last_seen[index] = max(self._last_seen[index], int(util.timeStamp))
                entry = per_pid.setdefault(util.pid, {"gpu_memory_bytes": 0.0})
                entry["gpu_util_percent"] = entry.get("gpu_util_percent", 0.0) + float(util.smUtil)
        return per_pid, devices
