package dev.kiln.workflows.hub;

import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;

public record SelectModelRequest(RunSpec spec, ScopePlan plan) {}
