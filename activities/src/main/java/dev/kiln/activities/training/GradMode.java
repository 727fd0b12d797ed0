package dev.kiln.activities.training;

import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch keeps autograd's on/off switch per thread, and a new thread starts with it on. DJL switches it off
 * only on the thread that loads the engine, and its GradientCollector restores the thread's previous state
 * when it closes. So on any other thread (Temporal runs each activity on a pool thread) the optimizer's
 * in-place updates would be recorded by autograd and fail ("a leaf Variable that requires grad is being used
 * in an in-place operation"), and evaluation would build graphs it never uses. Every entry point that touches
 * tensors calls {@link #offOnThisThread()} first.
 */
final class GradMode {
  private GradMode() {}

  static void offOnThisThread() {
    JniUtils.setGradMode(false);
  }
}
