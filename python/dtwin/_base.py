"""A minimal scikit-learn style base: parameters are the constructor's keywords, read back by
get_params and changed by set_params, so dtwin estimators work with sklearn.clone and
pipelines without requiring scikit-learn."""
import inspect


class BaseEstimator:
    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; valid: {', '.join(valid)}")
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k, object()) != v]
        return f"{type(self).__name__}({', '.join(changed)})"


class CoreModel:
    """Pickling for the estimators backed by a LibTorch model in the C++ core (PGan,
    SoftSensorMLP): the fitted state travels as the core's named weights and history, and is
    rebuilt with the core's from_weights. Subclasses set _core_class and define _core_dims(),
    the two sizes from_weights takes."""

    _core_class = None     # name of the class in dtwin._core
    _keep_private = ()     # private attributes that belong to the fitted state

    def _train(self, core, params, args, loss_names, **fit_kwargs):
        """core.fit(*args) with a progress bar when verbose (the core reports the epoch, then
        the losses named by loss_names), then the fitted state."""
        from ._progress import EpochProgress

        bar = EpochProgress(self.epochs, type(self).__name__, enabled=bool(self.verbose))

        def progress(epoch, *losses):
            bar.update(epoch, **dict(zip(loss_names, losses)))
            return True

        try:
            core.fit(*args, progress if self.verbose else None, **fit_kwargs)
        finally:
            bar.close()
        self._set_fitted(core, params)
        return self

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_") or k in self._keep_private}
        if hasattr(self, "_core"):
            state["_fitted"] = (self._core_params_used, *self._core_dims(), self._core.weights(), self.history_)
        return state

    def __setstate__(self, state):
        from ._lazy import core as _core

        fitted = state.pop("_fitted", None)
        self.__dict__.update(state)
        if fitted is not None:
            params, a, b, weights, history = fitted
            core = getattr(_core, self._core_class).from_weights(params, a, b, weights, history)
            self._set_fitted(core, params)


class StateModel:
    """Pickling for the estimators whose fitted C++ object round-trips through its state()
    dict and from_state(params, state) without refitting (Phate, GaussianProcess). Fitted
    attributes (trailing underscore) are not pickled: _set_fitted(core, params) rebuilds them.
    Subclasses define _core_from_state(params, state) and keep the params they fitted with in
    _core_params_used."""

    _keep_private = ()     # private attributes that belong to the fitted state

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items()
                 if (not k.startswith("_") or k in self._keep_private) and not k.endswith("_")}
        if hasattr(self, "_core"):
            state["_fitted"] = (self._core_params_used, self._core.state())
        return state

    def __setstate__(self, state):
        fitted = state.pop("_fitted", None)
        self.__dict__.update(state)
        if fitted is not None:
            params, st = fitted
            self._set_fitted(self._core_from_state(params, st), params)
