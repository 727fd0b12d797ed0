package dev.kiln.activities.hf;

import dev.kiln.activities.storage.ObjectStore;

/**
 * A model directory under a prefix of Kiln's bucket, e.g. {@code runs/<run>/model/} or {@code hub/<id>/}. A
 * weights file is fetched whole: object stores serve ranges too, but a model Kiln loads is read in full anyway.
 */
public final class StoreHfFiles implements HfFileSource {
  private final ObjectStore store;
  private final String prefix;

  /** @param prefix ends with {@code /} */
  public StoreHfFiles(ObjectStore store, String prefix) {
    if (!prefix.endsWith("/")) {
      throw new IllegalArgumentException("a model directory prefix ends with '/', got " + prefix);
    }
    this.store = store;
    this.prefix = prefix;
  }

  @Override
  public String describe() {
    return "s3://" + store.bucket() + "/" + prefix;
  }

  @Override
  public boolean exists(String name) {
    return store.exists(key(name));
  }

  @Override
  public byte[] readAll(String name, long maxBytes) {
    byte[] bytes = store.get(key(name));
    if (bytes.length > maxBytes) {
      throw new HfImportException(describe() + name + " is " + bytes.length + " bytes; a " + name + " is at most "
          + maxBytes + ": is it the right file?");
    }
    return bytes;
  }

  @Override
  public RandomAccessBytes open(String name) {
    return RandomAccessBytes.of(store.get(key(name)));
  }

  private String key(String name) {
    if (name.isEmpty() || name.startsWith("/") || name.contains("..")) {
      throw new HfImportException("file name " + name + " points outside the model directory " + describe());
    }
    return prefix + name;
  }
}
