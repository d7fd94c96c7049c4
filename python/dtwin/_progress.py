"""Progress reporting for long training: a tqdm bar where tqdm is installed (Debian:
python3-tqdm), plain lines on stderr otherwise."""
import sys


class EpochProgress:
    def __init__(self, total, desc, enabled=True):
        self.enabled = enabled
        self.total = total
        self.desc = desc
        self._bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm

                self._bar = tqdm(total=total, desc=desc, unit="epoch", leave=False)
            except ImportError:
                self._bar = None

    def update(self, epoch, **losses):
        if not self.enabled:
            return
        text = " ".join(f"{k}={v:.4g}" for k, v in losses.items() if v is not None and v >= 0)
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(text, refresh=False)
        elif epoch == 1 or epoch % max(1, self.total // 10) == 0:
            print(f"{self.desc}: epoch {epoch}/{self.total} {text}", file=sys.stderr, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
