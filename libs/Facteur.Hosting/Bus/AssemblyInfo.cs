using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Facteur.Durability.Tests")]
