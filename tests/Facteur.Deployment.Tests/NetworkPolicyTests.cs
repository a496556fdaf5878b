using Facteur.Deployment.Tests.Infrastructure;

namespace Facteur.Deployment.Tests;

/// <summary>
/// The rendered NetworkPolicies, evaluated as the cluster would (a flow needs an egress rule of
/// its source and an ingress rule of its destination, once any policy selects the pod): exactly
/// DESIGN.md's flows get through, and a sample of the flows it does not draw are refused.
/// </summary>
public sealed class NetworkPolicyTests
{
    /// <summary>The outside world: an address in no pod's range, in no namespace of the cluster.</summary>
    private const string Internet = "internet";

    public static TheoryData<string, string, int> AllowedFlows() => new()
    {
        { Internet, "smtp-gateway", 25 },
        { Internet, "smtp-gateway", 587 },
        { Internet, "smtp-gateway", 465 },
        { Internet, "mailbox-api", 143 },
        { Internet, "mailbox-api", 993 },
        { Internet, "mailbox-api", 110 },
        { Internet, "mailbox-api", 995 },
        { Internet, "edge", 80 },
        { Internet, "edge", 443 },
        { "edge", "webmail", 8080 },
        { "webmail", "mailbox-api", 143 },
        { "webmail", "smtp-gateway", 587 },
        { "smtp-gateway", "rabbitmq", 5672 },
        { "delivery", "rabbitmq", 5672 },
        { "mailbox-api", "rabbitmq", 5672 },
        { "rabbitmq", "rabbitmq", 25672 },
        { "delivery", Internet, 25 },
    };

    public static TheoryData<string, string, int> RefusedFlows() => new()
    {
        { Internet, "webmail", 8080 },       // the webmail only behind the edge
        { Internet, "rabbitmq", 5672 },
        { Internet, "delivery", 8080 },
        { "edge", "mailbox-api", 143 },
        { "edge", "rabbitmq", 5672 },
        { "webmail", "rabbitmq", 5672 },
        { "webmail", Internet, 25 },
        { "smtp-gateway", Internet, 25 },    // relaying is delivery's job
        { "mailbox-api", Internet, 25 },
        { "delivery", "mailbox-api", 143 },
        { "delivery", Internet, 443 },
        { "smtp-gateway", "webmail", 8080 },
    };

    [Theory]
    [MemberData(nameof(AllowedFlows))]
    public async Task A_flow_of_the_design_is_allowed(string from, string to, int port)
    {
        var policies = await PoliciesAsync();
        Assert.True(Allows(policies, from, to, port), $"{from} → {to}:{port} is refused by the NetworkPolicies");
    }

    [Theory]
    [MemberData(nameof(RefusedFlows))]
    public async Task A_flow_outside_the_design_is_refused(string from, string to, int port)
    {
        var policies = await PoliciesAsync();
        Assert.False(Allows(policies, from, to, port), $"{from} → {to}:{port} is allowed by the NetworkPolicies");
    }

    private static async Task<List<Dictionary<string, object?>>> PoliciesAsync() =>
        [.. Yaml.Documents(await Kustomization.RenderAsync("deploy/k8s")).Where(o => Yaml.Scalar(o, "kind") == "NetworkPolicy")];

    private static bool Allows(List<Dictionary<string, object?>> policies, string from, string to, int port) =>
        Passes(policies, from, "Egress", "egress", "to", to, port) && Passes(policies, to, "Ingress", "ingress", "from", from, port);

    /// <summary>
    /// Whether <paramref name="pod"/>'s side lets the flow through: the internet has no policy;
    /// a pod no policy selects for this direction is open; otherwise one rule must match.
    /// </summary>
    private static bool Passes(List<Dictionary<string, object?>> policies, string pod, string type, string rulesKey, string peersKey, string peer, int port)
    {
        if (pod == Internet)
        {
            return true;
        }

        var selecting = policies.Where(p => Yaml.List(Yaml.Map(p, "spec"), "policyTypes").Contains(type) && Selects(Yaml.At(p, "spec", "podSelector"), pod)).ToList();
        return selecting.Count == 0 || selecting.Any(p => Yaml.List(Yaml.Map(p, "spec"), rulesKey).Any(rule =>
            PortMatches(Yaml.List(rule, "ports"), port) && PeerMatches(Yaml.List(rule, peersKey), peer)));
    }

    private static bool PortMatches(List<object?> ports, int port) =>
        ports.Count == 0 || ports.Any(p => Yaml.Scalar(p, "port") == port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>No peers: anyone. A podSelector alone: pods of this namespace. A namespaceSelector: pods elsewhere (never ours). An ipBlock: addresses outside the cluster's private ranges.</summary>
    private static bool PeerMatches(List<object?> peers, string peer) =>
        peers.Count == 0 || peers.Any(p =>
        {
            var map = (Dictionary<string, object?>)p!;
            if (map.ContainsKey("ipBlock"))
            {
                return peer == Internet;
            }

            if (map.ContainsKey("namespaceSelector"))
            {
                return false;
            }

            return peer != Internet && Selects(Yaml.Map(map, "podSelector"), peer);
        });

    /// <summary>matchLabels and matchExpressions (In) against the pod's app.kubernetes.io/name label; an empty selector selects every pod.</summary>
    private static bool Selects(Dictionary<string, object?> selector, string pod)
    {
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = pod, ["app.kubernetes.io/part-of"] = "facteur" };
        var matchLabels = Yaml.Map(selector, "matchLabels").All(l => labels.GetValueOrDefault(l.Key) == l.Value as string);
        var matchExpressions = Yaml.List(selector, "matchExpressions").All(e =>
            Yaml.Scalar(e, "operator") == "In" && Yaml.List(e, "values").Contains(labels.GetValueOrDefault(Yaml.Scalar(e, "key") ?? string.Empty)));
        return matchLabels && matchExpressions;
    }
}
