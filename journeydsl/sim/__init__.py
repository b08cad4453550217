"""Model to outcomes: the compiled plan, distributions, the experience model, keyed random numbers,
the engine, the collectors of outcomes, the trace and the runner."""
