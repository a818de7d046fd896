//! An organization's members and a member's roles in it: two [`Relation`]s.

use auth0plus_management_api::models::CreateOrganizationMemberRequestContent;
use auth0plus_management_api::models::{self, AssignUserRolesRequestContent};
use auth0plus_management_api::organizations::{
    AddOrganizationMembers, AssignOrganizationMemberRoles, DeleteOrganizationMemberRoles,
    DeleteOrganizationMembers, ListOrganizationMemberRoles, ListOrganizationMembers,
};

use crate::relation::Relation;
use crate::resource::Record;
use crate::roles::Role;

/// A member as `GET /organizations/{id}/members` lists it: `user_id`,
/// `email`, `name`, `picture`, and `roles` when asked for with
/// `.param("fields", "user_id,roles")`.
pub type Member = models::OrganizationMember;

/// How many user or role ids one call carries: no limit is documented, so
/// the cautious figure the other relations use.
const PER_CALL: usize = 100;

impl Record<models::Organization> {
    /// The organization's members: `add`/`remove` user ids, `query()` the
    /// members (every one of them: offset pages read together when they fit
    /// in the first 1,000 offset paging reaches; past them the list walks
    /// the checkpoint).
    ///
    /// ```no_run
    /// # async fn run(org: auth0plus_management::Organization) -> auth0plus_management::Result<()> {
    /// org.members().add(["auth0|1", "auth0|2"]).await?;
    /// let count = org.members().query().count().await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub fn members(&self) -> Relation<Member> {
        Relation::of_record(self, |auth0, id| {
            let (adds, removes) = (id.to_owned(), id.to_owned());
            let body = |members| CreateOrganizationMemberRequestContent {
                members: Some(members),
                ..Default::default()
            };
            Relation::new(
                auth0,
                "members",
                &ListOrganizationMembers::new(id),
                |member: Member| member,
            )
            .adds(PER_CALL, move |members| {
                AddOrganizationMembers::new(adds.clone(), body(members))
            })
            .removes(PER_CALL, move |members| {
                DeleteOrganizationMembers::new(removes.clone(), body(members))
            })
        })
    }

    /// The roles member `user_id` has in this organization (roles given in
    /// an organization apply only to logins through it): `add`/`remove` role
    /// ids, `query()` them as role records, like `user.roles()`. The user
    /// must be a member.
    ///
    /// ```no_run
    /// # async fn run(org: auth0plus_management::Organization) -> auth0plus_management::Result<()> {
    /// org.member_roles("auth0|1").add(["rol_0123456789abcdef"]).await?;
    /// for role in org.member_roles("auth0|1").query().fetch_all().await? {
    ///     println!("{}", role.name.as_deref().unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn member_roles(&self, user_id: &str) -> Relation<Role> {
        let user_id = user_id.to_owned();
        Relation::of_record(self, move |auth0, id| {
            let records = auth0.clone();
            let (adds, removes) = (
                (id.to_owned(), user_id.clone()),
                (id.to_owned(), user_id.clone()),
            );
            let body = |roles| AssignUserRolesRequestContent {
                roles: Some(roles),
                ..Default::default()
            };
            Relation::new(
                auth0,
                "roles",
                &ListOrganizationMemberRoles::new(id, &user_id),
                move |role: models::Role| Record::fetched(records.clone(), role),
            )
            .adds(PER_CALL, move |roles| {
                AssignOrganizationMemberRoles::new(adds.0.clone(), adds.1.clone(), body(roles))
            })
            .removes(PER_CALL, move |roles| {
                DeleteOrganizationMemberRoles::new(
                    removes.0.clone(),
                    removes.1.clone(),
                    body(roles),
                )
            })
        })
    }
}
