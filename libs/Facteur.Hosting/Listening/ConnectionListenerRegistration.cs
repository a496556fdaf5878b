namespace Facteur.Hosting.Listening;

/// <summary>A listener added by a module, built when the host starts (its options are bound and validated by then).</summary>
internal sealed record ConnectionListenerRegistration(Func<IServiceProvider, ConnectionListenerOptions> Create);
