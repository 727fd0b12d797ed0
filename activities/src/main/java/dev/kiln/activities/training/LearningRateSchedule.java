package dev.kiln.activities.training;

import dev.kiln.workflows.training.TrainingConfig;

/** Linear warmup to the peak rate, then cosine decay to the minimum rate at the last step (as nanoGPT). */
public record LearningRateSchedule(
    double peakLearningRate, double minLearningRate, int warmupSteps, int totalSteps) {

  public LearningRateSchedule {
    if (warmupSteps < 0 || totalSteps < warmupSteps) {
      throw new IllegalArgumentException(
          "Need 0 <= warmupSteps <= totalSteps, got " + warmupSteps + " and " + totalSteps);
    }
  }

  public static LearningRateSchedule of(TrainingConfig config) {
    return new LearningRateSchedule(
        config.learningRate(), config.minLearningRate(), config.warmupSteps(), config.steps());
  }

  public double at(int step) {
    if (step < warmupSteps) {
      // step + 1 so that step 0 already learns a little instead of wasting a batch at rate 0.
      return peakLearningRate * (step + 1) / warmupSteps;
    }
    if (step >= totalSteps) {
      return minLearningRate;
    }
    double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
    double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    return minLearningRate + cosine * (peakLearningRate - minLearningRate);
  }
}
