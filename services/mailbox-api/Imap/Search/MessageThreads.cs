using System.Text;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// The two threading algorithms of RFC 5256 §3 (THREAD=ORDEREDSUBJECT and THREAD=REFERENCES) and
/// the thread-list response syntax. Trees can be as deep as a reply chain is long, so every walk
/// is iterative: a hostile mailbox cannot overflow the stack.
/// </summary>
internal static class MessageThreads
{
    /// <summary>
    /// ORDEREDSUBJECT: sorted by base subject then sent date; each run of one base subject is a
    /// thread whose first message is the parent of all the others; threads ordered by the sent date
    /// of their first message.
    /// </summary>
    public static List<ThreadNode> OrderedSubject(IReadOnlyList<SortableMessage> messages)
    {
        var sorted = messages.Select(m => (Message: m, Subject: Collation.Key(m.BaseSubject))).ToList();
        sorted.Sort((a, b) =>
        {
            var order = string.CompareOrdinal(a.Subject, b.Subject);
            return order != 0 ? order : CompareDates(a.Message, b.Message);
        });

        var threads = new List<ThreadNode>();
        ThreadNode? current = null;
        string? currentSubject = null;
        foreach (var (message, subject) in sorted)
        {
            if (current is not null && subject == currentSubject)
            {
                current.Add(new ThreadNode(message));
                continue;
            }

            current = new ThreadNode(message);
            currentSubject = subject;
            threads.Add(current);
        }

        threads.Sort((a, b) => CompareDates(a.Message!, b.Message!));
        return threads;
    }

    /// <summary>REFERENCES: the steps of RFC 5256 §3 "REFERENCES", numbered as there.</summary>
    public static List<ThreadNode> References(IReadOnlyList<SortableMessage> messages)
    {
        // (1) Link messages to their parents through References / In-Reply-To.
        var byId = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        var all = new List<ThreadNode>();
        foreach (var message in messages.OrderBy(m => m.Sequence))
        {
            ThreadNode container;
            var id = message.Fields?.MessageId;
            if (id is not null && byId.TryGetValue(id, out var existing) && existing.Message is null)
            {
                existing.Message = message; // a dummy made for an earlier reference
                container = existing;
            }
            else
            {
                // (1A) no Message-ID, or a duplicate: the message gets a unique one of its own.
                container = new ThreadNode(message);
                all.Add(container);
                if (id is not null && !byId.ContainsKey(id))
                {
                    byId[id] = container;
                }
            }

            var references = message.Fields is { } fields
                ? fields.References.Count > 0 ? fields.References : fields.InReplyTo.Take(1).ToList()
                : [];
            ThreadNode? previous = null;
            foreach (var reference in references)
            {
                if (!byId.TryGetValue(reference, out var node))
                {
                    node = new ThreadNode(null);
                    byId[reference] = node;
                    all.Add(node);
                }

                // (1A) link each reference to the next unless it already has a parent or a loop would form.
                if (previous is not null && node.Parent is null && node != previous && !previous.IsDescendantOf(node))
                {
                    previous.Add(node);
                }

                previous = node;
            }

            // (1B) the last reference is the parent, replacing a parent set from a truncated References.
            if (previous is not null && previous != container && !previous.IsDescendantOf(container))
            {
                container.Parent?.Remove(container);
                previous.Add(container);
            }
            else if (previous is null || previous == container)
            {
                container.Parent?.Remove(container);
            }
        }

        // (2) The root set: everything without a parent.
        var root = new ThreadNode(null);
        foreach (var node in all)
        {
            if (node.Parent is null)
            {
                root.Add(node);
            }
        }

        // (3) Prune dummies, deepest first.
        foreach (var node in PostOrder(root))
        {
            var children = new List<ThreadNode>(node.Children.Count);
            foreach (var child in node.Children)
            {
                if (child.Message is not null)
                {
                    children.Add(child);
                }
                else if (child.Children.Count > 0 && (node != root || child.Children.Count == 1))
                {
                    children.AddRange(child.Children); // promoted
                }
                else if (child.Children.Count > 0)
                {
                    children.Add(child); // a dummy with several children stays at the top level
                }
            }

            node.SetChildren(children);
        }

        // (4) Sort the top level by sent date (a dummy by its first child, its children sorted first).
        foreach (var dummy in root.Children.Where(c => c.Message is null))
        {
            dummy.SortChildren(CompareDates);
        }

        root.SortChildren(CompareDates);

        // (5) Gather top-level threads with the same base subject.
        var bySubject = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        foreach (var node in root.Children)
        {
            var subject = ThreadSubject(node);
            if (subject.Length == 0)
            {
                continue;
            }

            // (5B) one per subject: a dummy wins over a message, a non-reply over a reply.
            if (!bySubject.TryGetValue(subject, out var held))
            {
                bySubject[subject] = node;
            }
            else if (held.Message is not null && (node.Message is null || (held.Message.IsReply() && !node.Message.IsReply())))
            {
                bySubject[subject] = node;
            }
        }

        var top = root.Children.ToList();
        foreach (var node in top.ToList())
        {
            var subject = ThreadSubject(node);
            if (subject.Length == 0 || !bySubject.TryGetValue(subject, out var held) || held == node)
            {
                continue;
            }

            // (5C) merge this thread into the one held for its subject.
            top.Remove(node);
            if (held.Message is null && node.Message is null)
            {
                foreach (var child in node.Children.ToList())
                {
                    held.Add(child);
                }
            }
            else if (held.Message is null || (node.Message!.IsReply() && !held.Message.IsReply()))
            {
                held.Add(node);
            }
            else
            {
                var dummy = new ThreadNode(null);
                top[top.IndexOf(held)] = dummy;
                dummy.Add(held);
                dummy.Add(node);
                bySubject[subject] = dummy;
            }
        }

        // (6) Sort every set of siblings by sent date, deepest first.
        var newRoot = new ThreadNode(null);
        foreach (var node in top)
        {
            node.Parent?.Remove(node);
            newRoot.Add(node);
        }

        foreach (var node in PostOrder(newRoot))
        {
            node.SortChildren(CompareDates);
        }

        return newRoot.Children.ToList();
    }

    /// <summary>The thread-list of the THREAD response: <c>(1 2 (3)(4 5))(6)</c> with sequence numbers or UIDs.</summary>
    public static string Format(IEnumerable<ThreadNode> threads, bool uid)
    {
        var text = new StringBuilder();
        var work = new Stack<object>();
        foreach (var thread in threads)
        {
            work.Push(")");
            work.Push(thread);
            text.Append('(');
            while (work.Count > 0)
            {
                var item = work.Pop();
                if (item is string s)
                {
                    text.Append(s);
                    continue;
                }

                var node = (ThreadNode)item;
                if (node.Message is { } message)
                {
                    text.Append(uid ? message.Message.Uid : message.Sequence);
                    if (node.Children.Count == 1)
                    {
                        work.Push(node.Children[0]);
                        work.Push(" ");
                        continue;
                    }

                    if (node.Children.Count > 1)
                    {
                        text.Append(' ');
                    }
                }

                // Several children (or a dummy's): each is a nested thread.
                if (node.Message is null || node.Children.Count > 1)
                {
                    for (var i = node.Children.Count - 1; i >= 0; i--)
                    {
                        work.Push(")");
                        work.Push(node.Children[i]);
                        work.Push("(");
                    }
                }
            }
        }

        return text.ToString();
    }

    private static string ThreadSubject(ThreadNode node) =>
        Collation.Key((node.Message ?? node.Children.FirstOrDefault()?.Message)?.BaseSubject);

    /// <summary>§2.2: by sent date, then by sequence number. A dummy sorts as its first child.</summary>
    private static int CompareDates(ThreadNode a, ThreadNode b) => CompareDates(a.First, b.First);

    private static int CompareDates(SortableMessage? a, SortableMessage? b)
    {
        if (a is null || b is null)
        {
            return (a is null).CompareTo(b is null);
        }

        var order = a.SentDate.UtcDateTime.CompareTo(b.SentDate.UtcDateTime);
        return order != 0 ? order : a.Sequence.CompareTo(b.Sequence);
    }

    /// <summary>Every node below <paramref name="root"/> and the root itself, children before parents.</summary>
    private static List<ThreadNode> PostOrder(ThreadNode root)
    {
        var preOrder = new List<ThreadNode>();
        var stack = new Stack<ThreadNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            preOrder.Add(node);
            foreach (var child in node.Children)
            {
                stack.Push(child);
            }
        }

        preOrder.Reverse();
        return preOrder;
    }

    private static bool IsReply(this SortableMessage message) => message.Fields?.IsReplyOrForward ?? false;
}

/// <summary>A message (or a dummy standing for a referenced but absent one) in a thread tree.</summary>
internal sealed class ThreadNode(SortableMessage? message)
{
    private List<ThreadNode> _children = [];

    public SortableMessage? Message { get; set; } = message;

    public ThreadNode? Parent { get; private set; }

    public IReadOnlyList<ThreadNode> Children => _children;

    /// <summary>The message this node sorts as: its own, or a dummy's first child's.</summary>
    public SortableMessage? First
    {
        get
        {
            var node = this;
            while (node.Message is null && node.Children.Count > 0)
            {
                node = node.Children[0];
            }

            return node.Message;
        }
    }

    public void Add(ThreadNode child)
    {
        child.Parent?.Remove(child);
        child.Parent = this;
        _children.Add(child);
    }

    public void Remove(ThreadNode child)
    {
        if (_children.Remove(child))
        {
            child.Parent = null;
        }
    }

    public void SetChildren(List<ThreadNode> children)
    {
        foreach (var child in children)
        {
            child.Parent = this;
        }

        _children = children;
    }

    public void SortChildren(Comparison<ThreadNode> comparison)
    {
        // Stable: equal keys cannot occur (sequence numbers break ties), but keep it deterministic anyway.
        var sorted = _children.OrderBy(c => c, Comparer<ThreadNode>.Create(comparison)).ToList();
        _children = sorted;
    }

    /// <summary>True when this node is <paramref name="ancestor"/> or lies below it.</summary>
    public bool IsDescendantOf(ThreadNode ancestor)
    {
        if (ancestor._children.Count == 0)
        {
            // The common case (a fresh message container): no walk up a reply chain that may be long.
            return this == ancestor;
        }

        for (var node = this; node is not null; node = node.Parent)
        {
            if (node == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
