using System.Runtime.CompilerServices;

// The intake's durability tests (real broker, spool recovery) live in their own project.
[assembly: InternalsVisibleTo("Facteur.Durability.Tests")]
