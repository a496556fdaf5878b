// The custom resources the overlays render (RabbitMQ cluster operator, KEDA) have no models in
// kubernetes-models or @kubernetes/client-node. These are the parts of their CRDs'
// openAPIV3Schema that Facteur's manifests may use: every field listed, with its type; a field
// not listed is reported, as for the built-in kinds. Extend the list when a manifest needs more.
// Sources: rabbitmq.com/v1beta1 RabbitmqCluster (cluster-operator 2.x), keda.sh/v1alpha1 (KEDA 2.x).

const string = "string";
const integer = "integer";
const anyMap = { type: "map", values: "string" };
const resources = { limits: { type: "map", values: "quantity" }, requests: { type: "map", values: "quantity" } };

export const customResources = {
  "rabbitmq.com/v1beta1/RabbitmqCluster": {
    required: ["spec"],
    fields: {
      spec: {
        replicas: integer,
        image: string,
        imagePullSecrets: { type: "array", items: { name: string } },
        resources,
        persistence: { storageClassName: string, storage: "quantity" },
        rabbitmq: {
          additionalConfig: string,
          advancedConfig: string,
          envConfig: string,
          additionalPlugins: { type: "array", items: string },
        },
        service: { type: string, annotations: anyMap },
        tls: { secretName: string, caSecretName: string, disableNonTLSListeners: "boolean" },
        terminationGracePeriodSeconds: integer,
        tolerations: { type: "array", items: "object" },
        affinity: "object",
        override: "object",
      },
    },
  },
  "keda.sh/v1alpha1/ScaledObject": {
    required: ["spec"],
    fields: {
      spec: {
        scaleTargetRef: { apiVersion: string, kind: string, name: string, envSourceContainerName: string },
        pollingInterval: integer,
        cooldownPeriod: integer,
        initialCooldownPeriod: integer,
        idleReplicaCount: integer,
        minReplicaCount: integer,
        maxReplicaCount: integer,
        fallback: { failureThreshold: integer, replicas: integer },
        advanced: "object",
        triggers: {
          type: "array",
          items: {
            type: string,
            name: string,
            metadata: anyMap,
            useCachedMetrics: "boolean",
            metricType: string,
            authenticationRef: { name: string, kind: string },
          },
        },
      },
    },
    check(obj) {
      const errors = [];
      if (!obj.spec?.scaleTargetRef?.name) errors.push("spec.scaleTargetRef.name is required");
      if (!Array.isArray(obj.spec?.triggers) || obj.spec.triggers.length === 0) errors.push("spec.triggers is required");
      for (const [i, t] of (obj.spec?.triggers ?? []).entries()) {
        if (!t.type) errors.push(`spec.triggers[${i}].type is required`);
        if (!t.metadata) errors.push(`spec.triggers[${i}].metadata is required`);
      }
      return errors;
    },
  },
  "keda.sh/v1alpha1/TriggerAuthentication": {
    required: ["spec"],
    fields: {
      spec: {
        secretTargetRef: { type: "array", items: { parameter: string, name: string, key: string } },
        env: { type: "array", items: { parameter: string, name: string, containerName: string } },
        podIdentity: "object",
      },
    },
  },
};
