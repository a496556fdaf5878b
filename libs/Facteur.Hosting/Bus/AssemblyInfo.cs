using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Facteur.Durability.Tests")]
[assembly: InternalsVisibleTo("Facteur.Delivery")]
[assembly: InternalsVisibleTo("Facteur.Relay.Tests")]
