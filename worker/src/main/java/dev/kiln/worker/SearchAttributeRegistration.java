package dev.kiln.worker;

import dev.kiln.workflows.KilnSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.Map;

/** Registers Kiln's custom search attributes in a namespace; those already there are left alone. */
public final class SearchAttributeRegistration {
  private SearchAttributeRegistration() {}

  /** @return how many attributes were added */
  public static int register(WorkflowServiceStubs service, String namespace) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      Map<String, IndexedValueType> wanted = KilnSearchAttributes.all();
      Map<String, IndexedValueType> present = existing(operator, namespace);
      AddSearchAttributesRequest.Builder request = AddSearchAttributesRequest.newBuilder().setNamespace(namespace);
      wanted.forEach((name, type) -> {
        if (!present.containsKey(name)) {
          request.putSearchAttributes(name, type);
        }
      });
      if (request.getSearchAttributesCount() == 0) {
        return 0;
      }
      try {
        operator.blockingStub().addSearchAttributes(request.build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
      }
      return request.getSearchAttributesCount();
    } finally {
      operator.shutdown();
    }
  }

  /** The namespace's custom attributes; the in-JVM server cannot list them, so there it is empty. */
  private static Map<String, IndexedValueType> existing(OperatorServiceStubs operator, String namespace) {
    try {
      return operator.blockingStub()
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
          .getCustomAttributesMap();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return Map.of();
      }
      throw e;
    }
  }
}
