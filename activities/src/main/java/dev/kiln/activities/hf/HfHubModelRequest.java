package dev.kiln.activities.hf;

/**
 * What a request to the Hub is for, so that a refusal can be reported as "the shard X named by the index" rather
 * than as a URL.
 *
 * @param id the model
 * @param file the repository file, or null for the model info
 * @param role how the model uses the file, such as "shard named by model.safetensors.index.json"; may be null
 */
record HfHubModelRequest(HfModelId id, String file, String role) {
  static HfHubModelRequest info(HfModelId id) {
    return new HfHubModelRequest(id, null, null);
  }

  String describeFile() {
    if (file == null) {
      return "model info";
    }
    return "file '" + file + "'" + (role == null ? "" : " (" + role + ")");
  }
}
