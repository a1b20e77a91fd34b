"""What distillation adds around ANY network (STD and PISR), on core's taps
and clip <-> window slicing: attention maps, building the frozen
teacher (window or clip teacher) and resolving its options, the shared ConvLSTM
and its adapter, probes of feature shapes before training, diagnostics of
each term's share of the gradient, PISR's options and decoder initialisation.
Losses and models using these are in losses/ and models/ (BasicSR's
registries); a new distillation piece that is neither goes here."""
