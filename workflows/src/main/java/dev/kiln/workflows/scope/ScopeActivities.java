package dev.kiln.workflows.scope;

import dev.kiln.workflows.spec.RunSpec;
import io.temporal.activity.ActivityInterface;

/** Stage 1: from the use case and the compute budget to an architecture, an objective and a size. */
@ActivityInterface
public interface ScopeActivities {
  ScopePlan scope(RunSpec spec);
}
