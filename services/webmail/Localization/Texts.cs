using System.Globalization;

namespace Facteur.Webmail.Localization;

/// <summary>
/// The UI strings, French first (the users are francophone) and English. A dictionary rather than
/// .resx files: two languages, one place to read them side by side.
/// </summary>
internal sealed class Texts
{
    public static readonly string[] Cultures = ["fr", "en"];

    private static readonly Dictionary<string, (string Fr, string En)> Strings = new()
    {
        ["AppName"] = ("Facteur Webmail", "Facteur Webmail"),
        ["Login"] = ("Connexion", "Log in"),
        ["Logout"] = ("Déconnexion", "Log out"),
        ["Email"] = ("Adresse électronique", "Email address"),
        ["Password"] = ("Mot de passe", "Password"),
        ["LoginFailed"] = ("Adresse ou mot de passe incorrect.", "Wrong address or password."),
        ["LoginThrottled"] = ("Trop de tentatives. Réessayez dans quelques minutes.", "Too many attempts. Try again in a few minutes."),
        ["ServerUnavailable"] = ("Le serveur de messagerie ne répond pas. Réessayez plus tard.", "The mail server does not answer. Try again later."),
        ["SessionExpired"] = ("Votre session a expiré. Reconnectez-vous.", "Your session has expired. Please log in again."),
        ["Folders"] = ("Dossiers", "Folders"),
        ["Inbox"] = ("Boîte de réception", "Inbox"),
        ["Drafts"] = ("Brouillons", "Drafts"),
        ["Sent"] = ("Envoyés", "Sent"),
        ["Archive"] = ("Archives", "Archive"),
        ["Junk"] = ("Indésirables", "Junk"),
        ["Trash"] = ("Corbeille", "Trash"),
        ["Compose"] = ("Nouveau message", "Compose"),
        ["Search"] = ("Rechercher", "Search"),
        ["From"] = ("De", "From"),
        ["To"] = ("À", "To"),
        ["Cc"] = ("Cc", "Cc"),
        ["Bcc"] = ("Cci", "Bcc"),
        ["Subject"] = ("Objet", "Subject"),
        ["Date"] = ("Date", "Date"),
        ["Size"] = ("Taille", "Size"),
        ["NoSubject"] = ("(sans objet)", "(no subject)"),
        ["NoMessages"] = ("Aucun message.", "No messages."),
        ["Previous"] = ("Précédent", "Previous"),
        ["Next"] = ("Suivant", "Next"),
        ["PageOf"] = ("Page {0} sur {1}", "Page {0} of {1}"),
        ["NewerMessages"] = ("{0} nouveau(x) message(s) depuis l'affichage de cette liste : actualiser", "{0} new message(s) since this list was shown: refresh"),
        ["MessagesCount"] = ("{0} messages", "{0} messages"),
        ["Delete"] = ("Supprimer", "Delete"),
        ["MoveTo"] = ("Déplacer vers", "Move to"),
        ["Move"] = ("Déplacer", "Move"),
        ["MarkRead"] = ("Marquer comme lu", "Mark as read"),
        ["MarkUnread"] = ("Marquer comme non lu", "Mark as unread"),
        ["Flag"] = ("Suivre", "Flag"),
        ["Unflag"] = ("Ne plus suivre", "Unflag"),
        ["EmptyTrash"] = ("Vider la corbeille", "Empty Trash"),
        ["Unread"] = ("Non lu", "Unread"),
        ["Flagged"] = ("Suivi", "Flagged"),
        ["HasAttachment"] = ("Pièce jointe", "Attachment"),
        ["Select"] = ("Sélectionner", "Select"),
        ["Reply"] = ("Répondre", "Reply"),
        ["ReplyAll"] = ("Répondre à tous", "Reply all"),
        ["Forward"] = ("Transférer", "Forward"),
        ["ForwardAttachment"] = ("Transférer en pièce jointe", "Forward as attachment"),
        ["Attachments"] = ("Pièces jointes", "Attachments"),
        ["Download"] = ("Télécharger", "Download"),
        ["View"] = ("Afficher", "View"),
        ["ShowHeaders"] = ("Afficher les en-têtes", "Show headers"),
        ["HideHeaders"] = ("Masquer les en-têtes", "Hide headers"),
        ["RemoteBlocked"] = ("Les images distantes de ce message sont bloquées.", "Remote images in this message are blocked."),
        ["ShowImages"] = ("Afficher les images", "Show images"),
        ["Send"] = ("Envoyer", "Send"),
        ["SaveDraft"] = ("Enregistrer le brouillon", "Save draft"),
        ["Body"] = ("Message", "Message"),
        ["HtmlBody"] = ("Version HTML (facultative)", "HTML version (optional)"),
        ["AddAttachments"] = ("Joindre des fichiers", "Attach files"),
        ["KeptAttachments"] = ("Pièces jointes reprises", "Attachments carried over"),
        ["InvalidAddress"] = ("Adresse invalide : {0}", "Invalid address: {0}"),
        ["NoRecipient"] = ("Indiquez au moins un destinataire.", "Give at least one recipient."),
        ["TooLarge"] = ("Le message dépasse la taille maximale ({0}).", "The message exceeds the maximum size ({0})."),
        ["SendFailed"] = ("Envoi refusé par le serveur : {0}", "The server refused the message: {0}"),
        ["MessageSent"] = ("Message envoyé.", "Message sent."),
        ["DraftSaved"] = ("Brouillon enregistré.", "Draft saved."),
        ["Deleted"] = ("Messages supprimés.", "Messages deleted."),
        ["Moved"] = ("Messages déplacés.", "Messages moved."),
        ["Updated"] = ("Messages mis à jour.", "Messages updated."),
        ["TrashEmptied"] = ("Corbeille vidée.", "Trash emptied."),
        ["NewFolder"] = ("Nouveau dossier", "New folder"),
        ["Create"] = ("Créer", "Create"),
        ["Rename"] = ("Renommer", "Rename"),
        ["DeleteFolder"] = ("Supprimer le dossier", "Delete folder"),
        ["FolderName"] = ("Nom du dossier", "Folder name"),
        ["FolderError"] = ("Opération impossible sur le dossier : {0}", "Folder operation failed: {0}"),
        ["ManageFolders"] = ("Gérer les dossiers", "Manage folders"),
        ["Language"] = ("Langue", "Language"),
        ["Sort"] = ("Trier", "Sort"),
        ["Back"] = ("Retour", "Back"),
        ["NotFound"] = ("Message introuvable.", "Message not found."),
        ["OriginalMessage"] = ("-------- Message original --------", "-------- Original message --------"),
        ["Wrote"] = ("Le {0}, {1} a écrit :", "On {0}, {1} wrote:"),
        ["AttachedMessage"] = ("Message joint", "Attached message"),
        ["SkipToContent"] = ("Aller au contenu", "Skip to content"),
        ["Actions"] = ("Actions", "Actions"),
    };

    public string this[string key] =>
        Strings.TryGetValue(key, out var text) ? (IsEnglish ? text.En : text.Fr) : key;

    public string Format(string key, params object?[] args) => string.Format(CultureInfo.CurrentCulture, this[key], args);

    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public static IEnumerable<string> Keys => Strings.Keys;

    public string Folder(Mail.FolderKind kind, string name) => kind switch
    {
        Mail.FolderKind.Inbox => this["Inbox"],
        Mail.FolderKind.Drafts => this["Drafts"],
        Mail.FolderKind.Sent => this["Sent"],
        Mail.FolderKind.Archive => this["Archive"],
        Mail.FolderKind.Junk => this["Junk"],
        Mail.FolderKind.Trash => this["Trash"],
        _ => name,
    };

    public static string ByteSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} o",
        < 1024 * 1024 => string.Format(CultureInfo.CurrentCulture, "{0:0.#} Ko", bytes / 1024.0),
        _ => string.Format(CultureInfo.CurrentCulture, "{0:0.#} Mo", bytes / 1024.0 / 1024.0),
    };
}
