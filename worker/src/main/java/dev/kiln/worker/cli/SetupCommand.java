package dev.kiln.worker.cli;

import dev.kiln.worker.SearchAttributeRegistration;
import dev.kiln.worker.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** One-time setup of a namespace: registers Kiln's custom search attributes. */
@Command(name = "setup", mixinStandardHelpOptions = true, description = "Register Kiln's search attributes in the namespace (needs operator rights).")
final class SetupCommand implements Callable<Integer> {
  @Mixin Endpoints endpoints;

  @Override
  public Integer call() {
    try (TemporalConnection connection = endpoints.connect()) {
      int added = SearchAttributeRegistration.register(connection.service(), connection.namespace());
      System.out.println("search attributes: " + added + " added in namespace " + connection.namespace());
      return 0;
    }
  }
}
